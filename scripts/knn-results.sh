#!/usr/bin/env bash
# kNN-augmented classification results: for each train fraction and seed,
#   1. base    — nsn-lite conv, reference recipe, --knn-alpha 0; its evaluation.json gives
#                network-alone, kNN-alone (the model's own features) and blended accuracy;
#   2. pixels  — the same with loss reweighting --knn-alpha ALPHA --knn-features pixels;
#   3. frozen  — the same with --knn-alpha ALPHA --knn-features frozen:<that base run>;
# then prints the summary table (scripts/knn-results-summary.py).
#
# Runs are started with `simlab train --detach` and this script waits for each to end, so
# it works unattended (and the runs survive a closed terminal; rerunning the script skips
# the (fraction, seed, method) runs already finished in RUNS).
#
# Environment (defaults in brackets):
#   EPOCHS [15]  FRACTIONS ["1.0 0.1 0.01"]  SEEDS ["0 1 2"]  ALPHA [0.01, the design's example; 0.5 diverged in a 1-epoch check]
#   RUNS [runs/knn-results]  SIMLAB [.build/release/simlab, built if missing]
#   EXTRA [""]   extra `simlab train` options for every run (e.g. "--validation 1000")
# Quick check: EPOCHS=1 FRACTIONS=0.01 SEEDS=0 RUNS=/tmp/knn-quick scripts/knn-results.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EPOCHS=${EPOCHS:-15}
FRACTIONS=${FRACTIONS:-"1.0 0.1 0.01"}
SEEDS=${SEEDS:-"0 1 2"}
ALPHA=${ALPHA:-0.01}
RUNS=${RUNS:-runs/knn-results}
SIMLAB=${SIMLAB:-.build/release/simlab}
EXTRA=${EXTRA:-}

if [[ ! -x "$SIMLAB" ]]; then
    swift build -c release --product simlab >&2
fi
mkdir -p "$RUNS"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# state RUN_ID -> the state field of its status.json; "failed" when it claims to be
# active but its worker process is gone (a crash leaves "running" behind).
state() {
    python3 - "$RUNS/$1/status.json" <<'EOF' 2>/dev/null || echo "?"
import json, os, sys
status = json.load(open(sys.argv[1]))
state, pid = status.get("state", "?"), status.get("pid")
if state in ("running", "paused", "stopping") and isinstance(pid, int):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        state = "failed"
    except PermissionError:
        pass
print(state)
EOF
}

# wait_for RUN_ID: until the run is finished (0) or failed/stopped (1).
wait_for() {
    local s
    while true; do
        s=$(state "$1")
        case "$s" in
            finished) return 0 ;;
            failed|stopped) log "run $1 ended $s (see $RUNS/$1/worker.log)"; return 1 ;;
        esac
        sleep 10
    done
}

# existing NAME -> id of a finished run with that name in RUNS (empty when none)
existing() {
    python3 - "$RUNS" "$1" <<'EOF'
import json, os, sys
root, name = sys.argv[1], sys.argv[2]
for run in sorted(os.listdir(root)):
    try:
        config = json.load(open(os.path.join(root, run, "config.json")))
        status = json.load(open(os.path.join(root, run, "status.json")))
    except (OSError, ValueError):
        continue
    if config.get("name") == name and status.get("state") == "finished":
        print(run)
        break
EOF
}

# train NAME ARGS... -> run id on stdout once the run has finished
train() {
    local name=$1; shift
    local id
    id=$(existing "$name")
    if [[ -n "$id" ]]; then
        log "$name: already finished as $id"
        echo "$id"; return 0
    fi
    # shellcheck disable=SC2086
    id=$("$SIMLAB" train --runs "$RUNS" --name "$name" --model nsn-lite --variant conv \
        --epochs "$EPOCHS" $EXTRA "$@" --detach)
    log "$name: started $id"
    wait_for "$id" || return 1
    log "$name: finished"
    echo "$id"
}

failures=0
for fraction in $FRACTIONS; do
    for seed in $SEEDS; do
        common=(--train-fraction "$fraction" --seed "$seed")
        tag="knn-results f=$fraction seed=$seed"
        if ! base=$(train "$tag base" "${common[@]}" --knn-alpha 0); then
            failures=$((failures + 1)); continue
        fi
        train "$tag pixels" "${common[@]}" --knn-alpha "$ALPHA" --knn-features pixels >/dev/null \
            || failures=$((failures + 1))
        train "$tag frozen" "${common[@]}" --knn-alpha "$ALPHA" --knn-features "frozen:$base" >/dev/null \
            || failures=$((failures + 1))
    done
done

python3 scripts/knn-results-summary.py "$RUNS"
if ((failures > 0)); then
    log "$failures run(s) failed"
    exit 1
fi
