#!/usr/bin/env bash
# npm run demo: the operator end to end on this machine with real faults (see hack/demo/main.ts).
# Runs as root; everything it makes is removed at the end and on Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# exec: Ctrl-C and SIGTERM reach the demo itself, which cleans up before exiting.
exec node --import tsx hack/demo/main.ts "$@"
