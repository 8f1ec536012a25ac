#!/usr/bin/env bash
# npm run demo: the operator end to end on this machine with real faults (see test/demo/main.ts).
# Runs as root; everything it makes is removed at the end and on Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [[ "$(id -u)" != "0" ]]; then
  echo "npm run demo must run as root: it makes a memory cgroup in which the kernel OOM-kills a JVM," >&2
  echo "network namespaces and iptables rules (all removed at the end). Run it as root, e.g. sudo npm run demo" >&2
  exit 1
fi
if [[ ! -x node_modules/.bin/node ]]; then
  echo "node_modules is missing: run npm ci first" >&2
  exit 1
fi
# The repo's Node 24 (the `node` devDependency), also when this script is run without npm.
export PATH="${PWD}/node_modules/.bin:${PATH}"
# exec: Ctrl-C and SIGTERM reach the demo itself, which cleans up before exiting.
exec node --import tsx test/demo/main.ts "$@"
