#!/usr/bin/env bash
# The one command that runs the tests: installs what is missing, builds, runs every unit
# and integration test, a short fuzzing run of every file reader, then the end-to-end test
# of the dashboard in tmux.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log"
unit_status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "Test Suite 'All tests' (passed|failed)" -A1 "$log" | grep -oE "Executed [0-9]+ tests?, with [0-9]+ failures?" | tail -n 1)
executed=$(echo "$summary" | grep -oE "Executed [0-9]+" | grep -oE "[0-9]+" || echo 0)
failures=$(echo "$summary" | grep -oE "with [0-9]+" | grep -oE "[0-9]+" || echo 0)
[ -n "$executed" ] || executed=0
[ -n "$failures" ] || failures=0
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
echo "tests: $((executed - failures + fuzz_passed + end_to_end_passed)) passed, $((failures + fuzz_failed + end_to_end_failed)) failed"
[ "$unit_status" -eq 0 ] && [ "$fuzz_failed" -eq 0 ] && [ "$end_to_end_failed" -eq 0 ]
