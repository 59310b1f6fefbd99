#!/usr/bin/env bash
# Reproduces the neural-similarity comparison: nsn-lite on Fashion-MNIST with the
# reference recipe, every similarity variant, several seeds; then writes the results
# table (docs/results-variants.md) from the run directories.
#
#   EPOCHS=15 SEEDS="0 1 2" bash scripts/variant-results.sh
#
# Environment: EPOCHS, SEEDS, VARIANTS, RUNS (runs/variants), OUT (docs/results-variants.md),
# EXTRA (more `simlab train` options), SIMLAB (a binary to use; default: build one),
# SLOTS (how many runs of the runs folder train at once; default: leave the queue as is).
# Two 1-thread runs at a time train 1.4× the images per second of one 2-thread run on a
# 2-core machine: SLOTS=2 EXTRA="--threads 1".
#
# Runs are launched as background workers into $RUNS and train one at a time through the
# queue (so the machine's cores are not oversubscribed); the script waits for them.
# Re-running it skips runs that already finished (same name) and resumes stopped ones.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-15}
SEEDS=${SEEDS-"0 1 2"}   # SEEDS= (empty) launches nothing: it only waits and regenerates $OUT
VARIANTS=${VARIANTS-"conv static-diag static-full dynamic-diag dynamic-full"}
RUNS=${RUNS:-runs/variants}
OUT=${OUT:-docs/results-variants.md}
EXTRA=${EXTRA:-}
bash scripts/install-dependencies.sh
if [ -z "${SIMLAB:-}" ]; then   # SIMLAB: a binary to use instead of building one
    swift build -c release --product simlab >&2
    SIMLAB=.build/release/simlab
fi
mkdir -p "$RUNS"
if [ -n "${SLOTS:-}" ]; then
    $SIMLAB queue --runs "$RUNS" --slots "$SLOTS" >&2
fi

existing_run() {  # prints the id of the run named $1, if any
    python3 - "$RUNS" "$1" <<'PY'
import json, os, sys
root, name = sys.argv[1], sys.argv[2]
for run in sorted(os.listdir(root)):
    try:
        with open(os.path.join(root, run, "config.json")) as f:
            if json.load(f).get("name") == name:
                print(run)
    except (OSError, ValueError):
        pass
PY
}

for seed in $SEEDS; do
    for variant in $VARIANTS; do
        name="variants-$variant-e$EPOCHS-s$seed"
        id=$(existing_run "$name" | tail -n 1)
        if [ -z "$id" ]; then
            # shellcheck disable=SC2086
            id=$($SIMLAB train --detach --runs "$RUNS" --name "$name" --model nsn-lite --variant "$variant" \
                --epochs "$EPOCHS" --seed "$seed" $EXTRA)
            echo "launched $name as $id" >&2
        else
            state=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['state'])" "$RUNS/$id/status.json")
            case "$state" in
                stopped|failed) $SIMLAB resume "$id" --runs "$RUNS" >&2 ;;
            esac
            echo "$name is $id ($state)" >&2
        fi
    done
done

# Wait until no run of this experiment is queued, running or paused.
while $SIMLAB runs --runs "$RUNS" | awk 'NR>1 && ($2=="queued"||$2=="running"||$2=="paused"||$2=="stopping")' | grep -q .; do
    sleep 20
done
python3 scripts/summarize-variants.py "$RUNS" > "$OUT"
echo "wrote $OUT" >&2
