#!/usr/bin/env bash
# Stops the control plane started by hack/cluster-up.sh and removes its state
# dir (${DIAGNOSE_CLUSTER_DIR:-/tmp/diagnose-cluster}). With
# DIAGNOSE_CLUSTER_KEEP=1 the dir (logs) is kept.
set -euo pipefail

dir="${DIAGNOSE_CLUSTER_DIR:-/tmp/diagnose-cluster}"

if [[ ! -d "${dir}" ]]; then
  echo "cluster-down: ${dir} does not exist; nothing to do" >&2
  exit 0
fi
if [[ ! -f "${dir}/.diagnose-cluster" ]]; then
  echo "cluster-down: ${dir} is not a cluster dir (no .diagnose-cluster marker); not touching it" >&2
  exit 1
fi

# pid_alive PID: running and not a zombie.
pid_alive() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "${state}" && "${state}" != "Z" ]]
}

# The e2e node of `cluster-up.sh --full` first: its pods need the apiserver to go away cleanly.
if [[ -f "${dir}/node/.diagnose-node" ]]; then
  DIAGNOSE_NODE_KEEP_LOGS="${DIAGNOSE_CLUSTER_KEEP:-0}" bash "$(dirname "${BASH_SOURCE[0]}")/e2e/node-down.sh" "${dir}" || true
fi

# Stop in reverse start order; each runs in its own session, so signal the group.
for name in kube-controller-manager kube-apiserver etcd; do
  f="${dir}/pids/${name}.pid"
  [[ -f "${f}" ]] || continue
  pid="$(cat "${f}")"
  [[ "${pid}" =~ ^[0-9]+$ ]] || continue
  if ! pid_alive "${pid}"; then
    rm -f "${f}"
    continue
  fi
  # Only signal it if it is still the binary we started (pids get reused).
  exe="$(readlink "/proc/${pid}/exe" 2>/dev/null || true)"
  if [[ "${exe##*/}" != "${name}" ]]; then
    echo "cluster-down: pid ${pid} is no longer ${name} (${exe}); skipping" >&2
    rm -f "${f}"
    continue
  fi
  kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "${pid}" || break
    sleep 0.1
  done
  if pid_alive "${pid}"; then
    kill -KILL -- "-${pid}" 2>/dev/null || kill -KILL "${pid}" 2>/dev/null || true
  fi
  rm -f "${f}"
  echo "cluster-down: stopped ${name} (pid ${pid})" >&2
done

if [[ "${DIAGNOSE_CLUSTER_KEEP:-0}" == "1" ]]; then
  echo "cluster-down: kept ${dir}" >&2
else
  rm -rf "${dir}"
  echo "cluster-down: removed ${dir}" >&2
fi
