#!/usr/bin/env bash
# Stops the control plane started by hack/cluster-up.sh and removes its state
# dir (${DIAGNOSE_CLUSTER_DIR:-/tmp/diagnose-cluster}). With
# DIAGNOSE_CLUSTER_KEEP=1 the dir (logs) is kept.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "${here}/lib/log.sh"
# shellcheck source-path=SCRIPTDIR source=lib/pids.sh
source "${here}/lib/pids.sh"
log_init cluster-down

dir="${DIAGNOSE_CLUSTER_DIR:-/tmp/diagnose-cluster}"

if [[ ! -d "${dir}" ]]; then
  echo "cluster-down: ${dir} does not exist; nothing to do" >&2
  exit 0
fi
if [[ ! -f "${dir}/.diagnose-cluster" ]]; then
  echo "cluster-down: ${dir} is not a cluster dir (no .diagnose-cluster marker); not touching it" >&2
  exit 1
fi

# The e2e node of `cluster-up.sh --full` first: its pods need the apiserver to go away cleanly.
if [[ -f "${dir}/node/.diagnose-node" ]]; then
  DIAGNOSE_NODE_KEEP_LOGS="${DIAGNOSE_CLUSTER_KEEP:-0}" bash "${here}/e2e/node-down.sh" "${dir}" || true
fi

# Stop in reverse start order; each runs in its own session, so signal the group.
for name in kube-controller-manager kube-apiserver etcd; do
  stop_pidfile "${dir}/pids/${name}.pid" "${name}"
done

if [[ "${DIAGNOSE_CLUSTER_KEEP:-0}" == "1" ]]; then
  echo "cluster-down: kept ${dir}" >&2
else
  rm -rf "${dir}"
  echo "cluster-down: removed ${dir}" >&2
fi
