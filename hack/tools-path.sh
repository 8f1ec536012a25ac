#!/usr/bin/env bash
# Prints the folder that holds the binaries built by hack/build-tools.sh.
set -euo pipefail

# shellcheck source=lib/tools-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools-env.sh"

echo "${DIAGNOSE_TOOLS_BIN_DIR}"
