#!/usr/bin/env bash
# The one command that runs the tests: installs what is missing, starts the local
# single-node Slurm the Slurm tests submit to (scripts/slurm-local.sh, which installs
# slurm-wlm and munge), builds, runs every unit and integration test, then the end-to-end
# test of the dashboard in tmux. The Slurm it started is stopped at the end, whatever the
# outcome; one that was already running is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
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
summary=$(grep -E "Test Suite 'All tests' (passed|failed)" -A1 "$log" | grep -oE "Executed [0-9]+ tests?, with [0-9]+ failures?" | tail -n 1)
executed=$(echo "$summary" | grep -oE "Executed [0-9]+" | grep -oE "[0-9]+" || echo 0)
failures=$(echo "$summary" | grep -oE "with [0-9]+" | grep -oE "[0-9]+" || echo 0)
[ -n "$executed" ] || executed=0
[ -n "$failures" ] || failures=0
end_to_end_passed=0
end_to_end_failed=0
if bash Tests/EndToEnd/dashboard.sh .build/debug/simlab; then
    end_to_end_passed=1
else
    end_to_end_failed=1
fi
echo "tests: $((executed - failures + end_to_end_passed)) passed, $((failures + end_to_end_failed)) failed"
[ "$unit_status" -eq 0 ] && [ "$end_to_end_failed" -eq 0 ]
