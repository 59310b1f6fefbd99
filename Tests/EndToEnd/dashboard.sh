#!/usr/bin/env bash
# End-to-end test of the dashboard: drives the real binary in tmux against real workers.
#   bash Tests/EndToEnd/dashboard.sh path/to/simlab
# On a tiny generated dataset: launches from the form a static-diag run with kNN
# reweighting and 500 epochs ("hold": it trains until the test stops it, so every check
# below that needs a run training holds however fast the machine is), waits for its
# metrics, pauses and resumes it (status checked on screen), sees runs started from the
# command line appear and wait in the queue, stops one while it waits, stops "hold" so the
# queued 3-epoch run "e2e" trains to the end, checks the Kernels, kNN and Neighbours
# screens show the trainer's files, resizes, quits, and checks the terminal was given back.
# Every wait polls the screen with a timeout (no fixed sleeps). On failure: exit 1 with the
# last screen and the workers' logs. Needs tmux and python3.
set -euo pipefail

SIMLAB=$(realpath "${1:?usage: dashboard.sh path/to/simlab}")
TIMEOUT=${E2E_TIMEOUT:-180}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/simlab-e2e.XXXXXX")
RUNS="$WORK/runs"
# A private tmux server (own socket, no user config), so nothing else interferes.
SOCKET="simlab-e2e-$$-$RANDOM"
SESSION="dashboard"
# CI machines often have no TERM, or a dumb one.
case "${TERM:-dumb}" in dumb|unknown|"") export TERM=xterm-256color ;; esac

tm() { tmux -L "$SOCKET" -f /dev/null "$@"; }

cleanup() {
    local status=$?
    # Stop the workers this test started (their pids are in the runs' status files).
    for file in "$RUNS"/*/status.json; do
        [ -f "$file" ] || continue
        pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid") or "")' "$file" 2>/dev/null || true)
        if [ -n "$pid" ] && grep -qF "$WORK" "/proc/$pid/cmdline" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    done
    tm kill-server 2>/dev/null || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A tiny IDX dataset (300 train, 100 test images of 28×28, 10 classes), gzip-compressed.
python3 "$(dirname "$0")/make-tiny-dataset.py" "$WORK/data" 300 100

capture() { tm capture-pane -p -t "$SESSION"; }
fail() {
    echo "FAIL: $*" >&2
    echo "---- last screen ----" >&2
    capture >&2 || true
    for log in "$RUNS"/*/worker.log; do
        [ -f "$log" ] || continue
        echo "---- $log (tail) ----" >&2
        tail -n 20 "$log" >&2
    done
    exit 1
}
# wait_for_screen F|E PATTERN [TIMEOUT]: polls the screen until grep -F (fixed string) or
# grep -E (extended regular expression) finds PATTERN.
wait_for_screen() {
    local mode=$1 pattern=$2 limit=${3:-$TIMEOUT} start=$SECONDS
    until capture | grep -q"$mode" -- "$pattern"; do
        (( SECONDS - start < limit )) || fail "timed out after ${limit}s waiting for: $pattern"
        sleep 0.2
    done
}
wait_for() { wait_for_screen F "$@"; }      # wait_for TEXT [TIMEOUT]
wait_for_re() { wait_for_screen E "$@"; }   # wait_for_re REGEX [TIMEOUT]
keys() { tm send-keys -t "$SESSION" "$@"; }
# focus LABEL: moves down the form until field LABEL is focused (marked "▸").
focus() {
    local label=$1 i before start
    for i in $(seq 1 80); do
        before=$(capture | grep -F -- "▸" || true)
        grep -qF -- "▸ $label" <<<"$before" && return 0
        keys Down
        # Wait until the keypress has been drawn (the marker moved), so none is sent twice.
        start=$SECONDS
        while [ "$(capture | grep -F -- "▸" || true)" = "$before" ]; do
            (( SECONDS - start < 10 )) || fail "the form did not react to Down"
            sleep 0.05
        done
    done
    fail "could not focus field $label"
}
# set_field LABEL VALUE: clears the text field LABEL and types VALUE.
set_field() {
    focus "$1"
    keys $(printf 'BSpace %.0s' $(seq 1 40))
    wait_for_re "▸ $1 +▏"
    keys -l "$2"
    # Long values are shown cut: wait for their start.
    wait_for "${2:0:20}" 10
}
# set_choice LABEL VALUE: cycles the choice field LABEL until it shows VALUE.
set_choice() {
    local i before start
    focus "$1"
    for i in $(seq 1 8); do
        before=$(capture | grep -F -- "▸ $1" || true)
        grep -qF -- "◀ $2 ▶" <<<"$before" && return 0
        keys Right
        start=$SECONDS
        while [ "$(capture | grep -F -- "▸ $1" || true)" = "$before" ]; do
            (( SECONDS - start < 10 )) || fail "the choice field did not react to Right"
            sleep 0.05
        done
    done
    fail "choice $2 not offered by $1"
}

cd "$WORK"
# Without a terminal, or in one that cannot draw a screen, the dashboard says why and exits 2.
set +e
notty=$("$SIMLAB" --runs "$RUNS" </dev/null 2>&1); notty_status=$?
set -e
[ "$notty_status" -eq 2 ] && grep -qF "needs an interactive terminal" <<<"$notty" \
    || { echo "FAIL: without a tty: exit $notty_status: $notty" >&2; exit 1; }
tm new-session -d -s dumb -x 100 -y 30 "TERM=dumb '$SIMLAB' --runs '$RUNS'; echo EXITED-\$?; exec sleep 600"
SESSION=dumb wait_for "EXITED-2" 30
SESSION=dumb wait_for "TERM=dumb cannot move the cursor" 5
tm kill-session -t dumb

# The dashboard runs in a shell that reports whether the tty settings came back unchanged.
tm new-session -d -s "$SESSION" -x 160 -y 48 \
    "before=\$(stty -g); '$SIMLAB' --runs '$RUNS'; status=\$?; [ \"\$(stty -g)\" = \"\$before\" ] && echo TTY-RESTORED; echo EXITED-\$status; exec sleep 600"
wait_for "Runs" 30
wait_for_re "No runs yet|no run folder at .* yet" 30

# Launch from the form: a tiny static-diag network, kNN reweighting on, trained until stopped.
keys n
wait_for "Launch a run"
set_field "Run name" "hold"
set_choice "Similarity variant" "static-diag"
set_field "Stem width" "4"
set_field "Stage widths" "4,8"
set_field "Layers per stage" "1"
set_field "Epochs" "500"
set_field "Batch size" "32"
set_field "Data directory" "$WORK/data"
set_field "Validation images" "50"
set_field "Threads" "1"
set_field "Log every N steps" "2"
set_field "kNN loss α" "0.5"
wait_for "ready: Enter launches"
keys Enter
wait_for "Launched" 30
wait_for "hold"

# Open it and see metrics appear.
keys Enter
wait_for "worker.log"
wait_for_re "hold [0-9]{8}-[0-9]{6}-[0-9a-f]+ +running"
wait_for "━ train"
wait_for "━ val"

# Pause and resume; the header shows the worker's recorded state.
keys p
wait_for_re "hold [0-9]{8}-[0-9]{6}-[0-9a-f]+ +paused"
keys r
wait_for_re "hold [0-9]{8}-[0-9]{6}-[0-9a-f]+ +running"

# Runs started outside the dashboard appear; with the slot held they wait in the queue.
"$SIMLAB" train --detach --runs "$RUNS" --name outside --data "$WORK/data" --widths 4,8 --stem-width 4 \
    --blocks 1 --batch-size 32 --validation 50 --epochs 1 --threads 1 >/dev/null
keys 1
wait_for_re "outside +queued" 10
wait_for_re "hold +running" 10
# Stop it from the list (newest first: g selects it), confirming with Enter (default yes).
keys g
wait_for_re "outside +queued"
keys x
wait_for "Stop run"
keys Enter
wait_for_re "outside +stopped" 30
wait_for_re "hold +running" 10

# The 3-epoch run whose files the screens below show waits behind "hold".
"$SIMLAB" train --detach --runs "$RUNS" --name e2e --data "$WORK/data" --variant static-diag --widths 4,8 \
    --stem-width 4 --blocks 1 --batch-size 32 --validation 50 --epochs 3 --threads 1 --log-every 2 \
    --knn-alpha 0.5 >/dev/null
wait_for_re "e2e +queued" 10
wait_for_re "hold +running" 10
# Stop "hold" from the list (filtered to it), confirming with Enter.
keys /
keys -l "hold"
keys Enter
wait_for_re "hold +running"
keys x
wait_for "Stop run"
keys Enter
wait_for_re "hold +stopped" 60

# Then "e2e" takes the slot: open it until training and the final kNN evaluation are over.
keys /
keys BSpace BSpace BSpace BSpace
keys -l "e2e"
keys Enter
wait_for_re "e2e +(queued|running|finished)"
keys Enter
wait_for_re "e2e [0-9]{8}-[0-9]{6}-[0-9a-f]+ +(queued|running|finished)"
wait_for_re "e2e [0-9]{8}-[0-9]{6}-[0-9a-f]+ +finished"
wait_for "final test: net"

# Kernels, kNN and neighbours show what the trainer wrote.
keys 4
wait_for "kernel shape m"
wait_for "effective kernels W·M"
keys 5
wait_for "p_knn(true class) over 250 training images"
wait_for "val (final)"
wait_for "Final evaluation (100 test images)"
keys 6
wait_for "Test image #"
wait_for "nearest training images"

# Resize: too small, then back.
tm resize-window -t "$SESSION" -x 50 -y 15
wait_for "Terminal too small"
tm resize-window -t "$SESSION" -x 160 -y 48
wait_for "Test image #"

# Quit; the terminal is given back (tty settings, normal screen) and the status is 0.
keys q
wait_for "EXITED-0" 20
capture | grep -qF "TTY-RESTORED" || fail "the tty settings were not restored"
[ "$(tm display-message -p -t "$SESSION" '#{alternate_on}')" = "0" ] || fail "still on the alternate screen"
echo "dashboard end-to-end: OK"
