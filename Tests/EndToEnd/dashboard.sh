#!/usr/bin/env bash
# End-to-end test of the dashboard: drives the real binary in tmux.
#   bash Tests/EndToEnd/dashboard.sh path/to/simlab
# Launches a short run on a tiny generated dataset from the form, waits for its metrics,
# pauses and resumes it, opens kernels, kNN and neighbours, resizes, and quits.
# Exits non-zero with the last screen capture on failure. Needs tmux and python3.
set -euo pipefail

SIMLAB=$(realpath "${1:?usage: dashboard.sh path/to/simlab}")
TIMEOUT=${E2E_TIMEOUT:-120}
WORK=$(mktemp -d)
SESSION="simlab-e2e-$$"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A tiny IDX dataset (300 train, 100 test images of 28×28, 10 classes), gzip-compressed.
python3 - "$WORK/data" <<'PY'
import gzip, os, random, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True); rng = random.Random(0)
def write(name, count, labels):
    with gzip.open(os.path.join(d, f"{name}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 2051, count, 28, 28))
        for y in labels:  # class-dependent bright bar plus noise
            img = bytearray(rng.randrange(0, 40) for _ in range(784))
            for r in range(28):
                img[r * 28 + 2 + 2 * y] = 255; img[r * 28 + 3 + 2 * y] = 200
            f.write(bytes(img))
    with gzip.open(os.path.join(d, f"{name}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 2049, count)); f.write(bytes(labels))
write("train", 300, [i % 10 for i in range(300)])
write("t10k", 100, [i % 10 for i in range(100)])
PY

capture() { tmux capture-pane -p -t "$SESSION"; }
fail() {
    echo "FAIL: $*" >&2
    echo "---- last screen ----" >&2
    capture >&2 || true
    exit 1
}
# wait_for TEXT [TIMEOUT]: polls the screen until TEXT appears.
wait_for() {
    local text=$1 limit=${2:-$TIMEOUT} start=$SECONDS
    until capture | grep -qF -- "$text"; do
        (( SECONDS - start < limit )) || fail "timed out after ${limit}s waiting for: $text"
        sleep 0.2
    done
}
keys() { tmux send-keys -t "$SESSION" "$@"; }
# set_field LABEL VALUE: focuses the form field LABEL (by moving down until it is focused) and types VALUE.
set_field() {
    local label=$1 value=$2 i
    for i in $(seq 1 40); do
        capture | grep -F -- "$label" | grep -qF "▏" && break
        keys Down
        sleep 0.05
    done
    capture | grep -F -- "$label" | grep -qF "▏" || fail "could not focus field $label"
    # Clear by backspacing the current text, then type the value.
    for i in $(seq 1 40); do keys BSpace; done
    keys -l "$value"
}

cd "$WORK"
tmux new-session -d -s "$SESSION" -x 160 -y 48 "'$SIMLAB' --runs '$WORK/runs'; echo EXITED-\$?; sleep 30"
wait_for "Runs" 20
wait_for "No runs yet" 20

# Launch from the form.
keys n
wait_for "Launch a run"
set_field "Run name" "e2e"
set_field "Epochs" "3"
set_field "Stage widths" "4,8"
set_field "Batch size" "32"
set_field "Data directory" "$WORK/data"
set_field "Validation images" "50"
set_field "Log every N steps" "2"
keys Enter
wait_for "Launched" 30
wait_for "e2e"

# Open it and see metrics appear.
keys Enter
wait_for "worker.log"
wait_for "━ val" "$TIMEOUT"

# Pause and resume.
keys p
wait_for "paused" 30
keys r
wait_for "running" 30

# Kernels, kNN and neighbours screens open (content depends on the trainer's snapshots).
keys 4; wait_for "Kernels"
keys 5; wait_for "kNN"
keys 6; wait_for "Neighbours"

# Resize: too small, then back.
tmux resize-window -t "$SESSION" -x 50 -y 15 2>/dev/null || tmux resize-pane -t "$SESSION" -x 50 -y 15
wait_for "Terminal too small"
tmux resize-window -t "$SESSION" -x 160 -y 48 2>/dev/null || tmux resize-pane -t "$SESSION" -x 160 -y 48
wait_for "Neighbours"

# Quit; the terminal is given back and the exit status is 0.
keys q
wait_for "EXITED-0" 20
echo "dashboard end-to-end: OK"
