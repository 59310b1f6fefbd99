#!/usr/bin/env bash
# The one command that runs the tests: installs what is missing, starts the local
# single-node Slurm the Slurm tests submit to (scripts/slurm-local.sh, which installs
# slurm-wlm and munge), builds, runs every unit and integration test, the PyTorch cross-check of export-model
# (Tests/Interop/pytorch-check.sh), a short fuzzing run
# of every file reader, then the end-to-end test of the dashboard in tmux. The Slurm it
# started is stopped at the end, whatever the outcome; one that was already running is
# left running.
set -euo pipefail
cd "$(dirname "$0")/.."
# A recording run rewrites snapshots (and then fails): never part of the test command.
unset SIMLAB_RECORD_SNAPSHOTS
bash scripts/install-dependencies.sh
log=$(mktemp)
slurm_started=0
cleanup() {
    rm -f "$log"
    if [ "$slurm_started" -eq 1 ]; then bash scripts/slurm-local.sh stop || true; fi
}
trap cleanup EXIT
if ! bash scripts/slurm-local.sh status >/dev/null 2>&1; then
    slurm_started=1
    bash scripts/slurm-local.sh start
fi
swift build --build-tests
set +e
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log"
unit_status=${PIPESTATUS[0]}
set -e
# XCTest on Linux ends with "Executed N tests, with M failures …" or, when some were
# skipped, "Executed N tests, with K tests skipped and M failures …".
summary=$(grep -E "Test Suite 'All tests' (passed|failed)" -A1 "$log" | grep -oE "Executed [0-9]+ tests?, with .*failures?" | tail -n 1 || true)
executed=$(echo "$summary" | sed -nE 's/^Executed ([0-9]+) tests?.*/\1/p')
skipped=$(echo "$summary" | sed -nE 's/.* ([0-9]+) tests? skipped.*/\1/p')
failures=$(echo "$summary" | sed -nE 's/.*[ ,]([0-9]+) failures?.*/\1/p')
[ -n "$executed" ] || executed=0
[ -n "$skipped" ] || skipped=0
[ -n "$failures" ] || failures=0
# A crash or an unparsable summary must not read as "0 failed".
if [ "$unit_status" -ne 0 ] && [ "$failures" -eq 0 ]; then failures=1; fi
# The PyTorch cross-check of export-model (a venv with torch's CPU build under .build/).
interop_passed=0
interop_failed=0
if bash Tests/Interop/pytorch-check.sh .build/debug/simlab; then
    interop_passed=1
else
    interop_failed=1
fi
# A short fuzzing run of every reader (scripts/fuzz.sh: ~100 s to build, 8 s per target).
fuzz_passed=0
fuzz_failed=0
if bash scripts/fuzz.sh 8; then
    fuzz_passed=1
else
    fuzz_failed=1
fi
end_to_end_passed=0
end_to_end_failed=0
if bash Tests/EndToEnd/dashboard.sh .build/debug/simlab; then
    end_to_end_passed=1
else
    end_to_end_failed=1
fi
echo "tests: $((executed - failures - skipped + interop_passed + fuzz_passed + end_to_end_passed)) passed, $skipped skipped, $((failures + interop_failed + fuzz_failed + end_to_end_failed)) failed"
[ "$unit_status" -eq 0 ] && [ "$interop_failed" -eq 0 ] && [ "$fuzz_failed" -eq 0 ] && [ "$end_to_end_failed" -eq 0 ]
