#!/usr/bin/env bash
# Tears down the e2e node of hack/e2e/node-up.sh and everything it left on the host: pods
# (through the kubelet first, so the CNI plugin releases their addresses and veths), the
# kubelet, kube-scheduler, containerd and its shims, every mount under the node dir and the
# pods' network namespaces, the dgn-e2e0 bridge, the DIAGNOSE-E2E nat chain, the cgroups under
# /diagnose-e2e, and the kubelet's /var/log/containers links.
# Usage: node-down.sh CLUSTER_DIR   (DIAGNOSE_NODE_KEEP_LOGS=1 keeps CLUSTER_DIR/node/logs)
# Safe to run twice, and after a half-finished node-up.
set -uo pipefail
shopt -s globstar nullglob

if [[ $# -ne 1 ]]; then
  sed -n '2,7p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/node-env.sh
source "${here}/lib/node-env.sh"
dir="$(cd "$1" 2>/dev/null && pwd)" || {
  echo "node-down: $1 does not exist; nothing to do" >&2
  exit 0
}
node_env "${dir}"
if [[ ! -f "${NODE_DIR}/.diagnose-node" ]]; then
  echo "node-down: ${NODE_DIR} is not an e2e node dir; nothing to do" >&2
  exit 0
fi
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
source "${here}/../lib/log.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/pids.sh
source "${here}/../lib/pids.sh"
log_init node-down

# stop NAME: the node process NAME started by node-up (lib/pids.sh).
stop() { stop_pidfile "${NODE_DIR}/pids/$1.pid" "$1"; }

ctr_() { timeout 20 ctr --address "${NODE_CONTAINERD_SOCK}" --namespace k8s.io "$@"; }
containerd_up() { [[ -S "${NODE_CONTAINERD_SOCK}" ]] && ctr_ version >/dev/null 2>&1; }

# api METHOD PATH: the apiserver as the cluster admin, if it is still there.
pki="${dir}/pki"
api_port="$(jq -r '.apiserverPort // empty' "${dir}/cluster.json" 2>/dev/null || true)"
api() {
  [[ -n "${api_port}" ]] || return 1
  curl -sS --fail --max-time 5 --cacert "${pki}/ca.crt" --cert "${pki}/admin.crt" --key "${pki}/admin.key" \
    -X "$1" "https://127.0.0.1:${api_port}$2"
}

# 1. No new pods on this node, then let the kubelet stop the ones it runs (CNI DEL included).
stop kube-scheduler
if [[ -f "${NODE_DIR}/pids/kubelet.pid" ]] && pods="$(api GET "/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE_NAME}" 2>/dev/null)"; then
  n=0
  while read -r ns name; do
    [[ -n "${name}" ]] || continue
    api DELETE "/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0" >/dev/null 2>&1 && n=$((n + 1))
  done < <(jq -r '.items[] | "\(.metadata.namespace) \(.metadata.name)"' <<<"${pods}")
  log "deleted ${n} pods on ${NODE_NAME}; waiting for the kubelet to stop their sandboxes"
  if containerd_up; then
    for ((i = 0; i < 60; i++)); do
      [[ -z "$(ctr_ tasks ls -q 2>/dev/null)" ]] && break
      sleep 0.5
    done
  fi
fi
api DELETE "/api/v1/nodes/${NODE_NAME}" >/dev/null 2>&1 || true
api DELETE /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/diagnose-e2e:nodes >/dev/null 2>&1 || true

# 2. The pods' network namespaces (containerd pins them under /run/netns); read before it stops.
netns_paths=()
if containerd_up; then
  while read -r id; do
    [[ -n "${id}" ]] || continue
    p="$(ctr_ containers info "${id}" 2>/dev/null |
      jq -r '.Spec.linux.namespaces[]? | select(.type == "network") | .path // empty' 2>/dev/null)"
    [[ -n "${p}" ]] && netns_paths+=("${p}")
  done < <(ctr_ containers ls -q 2>/dev/null)
fi

stop kubelet

# 3. Whatever still runs: kill the tasks, then containerd, then its shims.
if containerd_up; then
  tasks="$(ctr_ tasks ls -q 2>/dev/null)"
  for t in ${tasks}; do ctr_ tasks kill -a -s SIGKILL "${t}" >/dev/null 2>&1; done
  sleep 1
  for t in ${tasks}; do ctr_ tasks rm -f "${t}" >/dev/null 2>&1; done
fi
stop containerd
for p in /proc/[0-9]*; do
  pid="${p#/proc/}"
  # Our shims carry our socket path in their arguments.
  if tr '\0' ' ' 2>/dev/null <"${p}/cmdline" | grep -qF -- "${NODE_CONTAINERD_SOCK}"; then
    kill -KILL "${pid}" 2>/dev/null && log "killed shim ${pid}"
  fi
done
# Container processes that outlived their shim are still in our cgroups.
for procs in /sys/fs/cgroup/pids/"${NODE_CGROUP_ROOT}"/**/cgroup.procs /sys/fs/cgroup/memory/"${NODE_CGROUP_ROOT}"/**/cgroup.procs; do
  [[ -f "${procs}" ]] || continue
  while read -r pid; do kill -KILL "${pid}" 2>/dev/null; done <"${procs}"
done

# 4. Mounts: everything under the node dir (deepest first), then the pods' netns pins.
mapfile -t mounts < <(awk -v d="${NODE_DIR}/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
for m in "${mounts[@]}"; do
  umount "${m}" 2>/dev/null || umount -l "${m}" 2>/dev/null || log "cannot unmount ${m}"
done
for p in "${netns_paths[@]}"; do
  case "${p}" in
  /run/netns/cni-* | /var/run/netns/cni-*)
    umount "${p}" 2>/dev/null || umount -l "${p}" 2>/dev/null
    rm -f "${p}"
    ;;
  esac
done
((${#mounts[@]} + ${#netns_paths[@]} > 0)) && log "unmounted ${#mounts[@]} mounts and ${#netns_paths[@]} pod netns"

# 5. Network: veths left on the bridge, the bridge, the nat chain.
if ip link show "${NODE_BRIDGE}" >/dev/null 2>&1; then
  for v in $(ip -o link show master "${NODE_BRIDGE}" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link del "${v}" 2>/dev/null
  done
  ip link del "${NODE_BRIDGE}" && log "deleted bridge ${NODE_BRIDGE}"
fi
while iptables -t nat -D PREROUTING -i "${NODE_BRIDGE}" -j "${NODE_NAT_CHAIN}" 2>/dev/null; do :; done
if iptables -t nat -F "${NODE_NAT_CHAIN}" 2>/dev/null; then
  iptables -t nat -X "${NODE_NAT_CHAIN}" && log "deleted nat chain ${NODE_NAT_CHAIN}"
fi

# 6. Cgroups, deepest first (a cgroup with tasks cannot go: retry while the kernel reaps them).
for ((try = 0; try < 20; try++)); do
  left=0
  for h in /sys/fs/cgroup/*/; do
    root="${h}${NODE_CGROUP_ROOT}"
    [[ -d "${root}" ]] || continue
    find "${root}" -depth -type d -exec rmdir {} \; 2>/dev/null
    [[ -d "${root}" ]] && left=1
  done
  ((left == 0)) && break
  sleep 0.5
done
if ((left == 0)); then
  log "removed cgroups /${NODE_CGROUP_ROOT}"
else
  log "some cgroups under /${NODE_CGROUP_ROOT} remain"
fi

# 7. Files outside the node dir: the kubelet's log links, libcni's result cache.
for l in /var/log/containers/*.log; do
  [[ -L "${l}" && "$(readlink "${l}")" == "${NODE_DIR}/"* ]] && rm -f "${l}"
done
rmdir /var/log/containers 2>/dev/null
rm -f /var/lib/cni/results/diagnose-e2e-* 2>/dev/null
rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
# Host folders this node created (node-up noted them): only the kubelet's device-plugin socket
# and empty folders go, in case something else started using them since.
while read -r p; do
  [[ -d "${p}" ]] || continue
  [[ "${p}" == /var/lib/kubelet ]] && rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  find "${p}" -depth -type d -empty -delete 2>/dev/null
  if [[ -e "${p}" ]]; then log "kept ${p}: not empty"; else log "removed ${p}"; fi
done < <(cat "${NODE_DIR}/created-host-paths" 2>/dev/null)

if [[ "${DIAGNOSE_NODE_KEEP_LOGS:-0}" == "1" ]]; then
  find "${NODE_DIR}" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} + 2>/dev/null
  log "kept ${NODE_DIR}/logs"
else
  rm -rf "${NODE_DIR}"
fi
log "done"
exit 0
