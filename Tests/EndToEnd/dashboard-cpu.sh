#!/usr/bin/env bash
# Benchmark (not a test): CPU used by the dashboard while it watches one running worker.
#   bash Tests/EndToEnd/dashboard-cpu.sh path/to/simlab [SECONDS]
# Starts a small run in the background (tiny generated dataset, many epochs, metrics every
# 2 steps), opens the real dashboard in tmux on that run's Run screen, and reads the
# dashboard process's utime+stime from /proc/PID/stat before and after SECONDS (default 60).
# Prints the share of one core. Target: < 2 %. Needs tmux and python3.
set -euo pipefail

SIMLAB=$(realpath "${1:?usage: dashboard-cpu.sh path/to/simlab [SECONDS]}")
SECONDS_TO_WATCH=${2:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/simlab-cpu.XXXXXX")
RUNS="$WORK/runs"
SOCKET="simlab-cpu-$$-$RANDOM"
case "${TERM:-dumb}" in dumb|unknown|"") export TERM=xterm-256color ;; esac
tm() { tmux -L "$SOCKET" -f /dev/null "$@"; }
worker_pid() {
    for file in "$RUNS"/*/status.json; do
        [ -f "$file" ] && python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid") or "")' "$file" 2>/dev/null
    done
}
cleanup() {
    local pid
    for pid in $(worker_pid); do grep -qF "$WORK" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null || true; done
    tm kill-server 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 "$(dirname "$0")/make-tiny-dataset.py" "$WORK/data" 1000 200

"$SIMLAB" train --detach --runs "$RUNS" --name watched --data "$WORK/data" --variant static-diag --widths 8,16 \
    --stem-width 8 --blocks 1 --batch-size 32 --validation 100 --epochs 500 --threads 1 --log-every 2 \
    --knn-alpha 0.5 >/dev/null

wait_for() {
    local text=$1 start=$SECONDS
    until tm capture-pane -p -t cpu | grep -qF -- "$text"; do
        (( SECONDS - start < 60 )) || { echo "timed out waiting for: $text" >&2; tm capture-pane -p -t cpu >&2; exit 1; }
        sleep 0.2
    done
}
tm new-session -d -s cpu -x 200 -y 60 "exec '$SIMLAB' --runs '$RUNS'"
wait_for "watched"
tm send-keys -t cpu Enter
wait_for "worker.log"
wait_for "━ train"
PID=$(tm display-message -p -t cpu '#{pane_pid}')
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
before=$(cpu_ticks "$PID"); start=$(date +%s.%N)
sleep "$SECONDS_TO_WATCH"   # the measurement window itself
after=$(cpu_ticks "$PID"); end=$(date +%s.%N)
tm capture-pane -p -t cpu | head -3
python3 - "$before" "$after" "$TICKS" "$start" "$end" <<'PY'
import sys
before, after, ticks, start, end = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
cpu = (after - before) / ticks
wall = end - start
print(f"dashboard CPU while watching a running worker: {cpu:.2f} s over {wall:.1f} s = {100 * cpu / wall:.2f} % of a core (target < 2 %)")
PY
