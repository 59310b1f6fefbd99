#!/usr/bin/env bash
# The one command that runs simlab on a fresh machine: installs what is missing,
# builds the release binary and starts it (the dashboard when given no arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release --product simlab >&2
exec .build/release/simlab "$@"
