#!/usr/bin/env bash
# The one command that runs the tests: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build --build-tests
swift test --skip-build --disable-swift-testing
bash Tests/EndToEnd/dashboard.sh .build/debug/simlab
