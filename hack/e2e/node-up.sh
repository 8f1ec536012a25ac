#!/usr/bin/env bash
# Turns the control plane of hack/cluster-up.sh into a one-node cluster on this machine:
# kube-scheduler, containerd (Debian's, own root/state/socket), the CNI bridge + host-local
# plugins (Debian's containernetworking-plugins) and the kubelet (built by build-tools --full),
# with the given OCI image archives imported into containerd (the operator's from
# hack/image/build.sh, pause and the workloads from hack/e2e/workload-images.sh). Run by
# `hack/cluster-up.sh --full`; stopped by hack/e2e/node-down.sh (which cluster-down.sh runs).
#
# Usage: node-up.sh CLUSTER_DIR ARCHIVE...   (one archive must hold diagnose.local/pause:e2e)
# Everything it makes is named so node-down can find it: state under CLUSTER_DIR/node, the
# bridge dgn-e2e0 (10.244.0.1/24, also the node's InternalIP), cgroups under /diagnose-e2e in
# each v1 hierarchy, the iptables nat chain DIAGNOSE-E2E.
#
# Choices for this machine (Debian 12, cgroup v1, no systemd as init, no registry):
# - kubelet v1.34 accepts cgroup v1 only with failCgroupV1: false; cgroupDriver cgroupfs, and
#   containerd's runc with SystemdCgroup = false to match.
# - No kube-proxy: one nat rule plays the `kubernetes` Service (10.0.0.1:443 -> the apiserver
#   on 127.0.0.1; route_localnet on the bridge), which is all in-cluster clients here need.
# - The kubelet authenticates with a client cert in group system:nodes bound to the
#   system:node ClusterRole; it accepts only CA-signed client certs (the apiserver's
#   kubelet-client cert from cluster-up --full) and then authorizes everything (AlwaysAllow),
#   listening only on the bridge address.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,8p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../lib/tools-env.sh
source "${here}/../lib/tools-env.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
source "${here}/../lib/log.sh"
log_init node-up
# shellcheck source-path=SCRIPTDIR source=lib/node-env.sh
source "${here}/lib/node-env.sh"

dir="$(cd "$1" && pwd)"
shift
archives=("$@")
node_env "${dir}"
bin="${DIAGNOSE_TOOLS_BIN_DIR}"
timeout="${DIAGNOSE_NODE_TIMEOUT:-120}"

for b in kubelet kube-scheduler; do
  [[ -x "${bin}/${b}" ]] || die "${bin}/${b} is missing: run bash hack/build-tools.sh --full"
done
for c in containerd containerd-shim-runc-v2 runc ctr iptables ip jq curl openssl; do
  command -v "${c}" >/dev/null 2>&1 || die "${c} is not installed (apt-get install -y containerd runc containernetworking-plugins jq)"
done
for p in bridge host-local loopback; do
  [[ -x "${NODE_CNI_BIN}/${p}" ]] || die "${NODE_CNI_BIN}/${p} is missing (apt-get install -y containernetworking-plugins)"
done
for a in "${archives[@]}"; do
  [[ -f "${a}" ]] || die "image archive ${a} is missing"
done
[[ -f "${dir}/cluster.json" ]] || die "${dir}/cluster.json is missing: start the control plane first"
if ip link show "${NODE_BRIDGE}" >/dev/null 2>&1; then
  die "${NODE_BRIDGE} exists already: another e2e node is up (or a dead one: hack/e2e/node-down.sh ${dir})"
fi
if [[ -d "/sys/fs/cgroup/memory/${NODE_CGROUP_ROOT}" ]]; then
  die "cgroup /${NODE_CGROUP_ROOT} exists already: run hack/e2e/node-down.sh ${dir}"
fi

api_port="$(jq -r .apiserverPort "${dir}/cluster.json")"
server="https://127.0.0.1:${api_port}"
pki="${dir}/pki"
mkdir -p "${NODE_DIR}"/{logs,pids,pki,cni/net.d,cni/ipam,containerd,kubelet,pod-logs}
touch "${NODE_DIR}/.diagnose-node"

# If anything below fails, undo what was made and keep the logs.
on_exit() {
  local rc=$?
  if [[ ${rc} -ne 0 ]]; then
    echo "node-up: failed; tearing the node down (logs kept in ${NODE_DIR}/logs)" >&2
    DIAGNOSE_NODE_KEEP_LOGS=1 bash "${here}/node-down.sh" "${dir}" || true
  fi
}
trap on_exit EXIT

# --- certificates: kubelet and scheduler clients, signed by the cluster CA -------------------
ossl() { openssl "$@" 2>>"${NODE_DIR}/logs/openssl.log" >/dev/null; }
client_cert() {
  local name="$1" subj="$2"
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${NODE_DIR}/pki/${name}.key"
  ossl req -new -key "${NODE_DIR}/pki/${name}.key" -subj "${subj}" -out "${NODE_DIR}/pki/${name}.csr"
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=clientAuth' >"${NODE_DIR}/pki/${name}.ext"
  ossl x509 -req -in "${NODE_DIR}/pki/${name}.csr" -CA "${pki}/ca.crt" -CAkey "${pki}/ca.key" -CAcreateserial \
    -sha256 -days 30 -extfile "${NODE_DIR}/pki/${name}.ext" -out "${NODE_DIR}/pki/${name}.crt"
  rm -f "${NODE_DIR}/pki/${name}.csr" "${NODE_DIR}/pki/${name}.ext"
  chmod 600 "${NODE_DIR}/pki/${name}.key"
}
kubeconfig() {
  local file="$1" name="$2"
  jq -n --arg server "${server}" --arg ca "$(base64 -w0 "${pki}/ca.crt")" \
    --arg crt "$(base64 -w0 "${NODE_DIR}/pki/${name}.crt")" --arg key "$(base64 -w0 "${NODE_DIR}/pki/${name}.key")" '{
    apiVersion: "v1", kind: "Config",
    clusters: [{ name: "diagnose", cluster: { server: $server, "certificate-authority-data": $ca } }],
    users: [{ name: "user", user: { "client-certificate-data": $crt, "client-key-data": $key } }],
    contexts: [{ name: "diagnose", context: { cluster: "diagnose", user: "user" } }],
    "current-context": "diagnose"
  }' >"${file}"
  chmod 600 "${file}"
}
log "certificates for system:node:${NODE_NAME} and system:kube-scheduler"
client_cert kubelet "/O=system:nodes/CN=system:node:${NODE_NAME}"
client_cert kube-scheduler "/CN=system:kube-scheduler"
kubeconfig "${NODE_DIR}/kubelet.kubeconfig" kubelet
kubeconfig "${NODE_DIR}/kube-scheduler.kubeconfig" kube-scheduler

# api METHOD PATH [BODY]: the apiserver as the cluster admin.
api() {
  curl -sS --fail-with-body --max-time 10 --cacert "${pki}/ca.crt" --cert "${pki}/admin.crt" --key "${pki}/admin.key" \
    -X "$1" -H 'Content-Type: application/json' "${server}$2" ${3:+--data "$3"}
}
# The RBAC bootstrap policy has the system:node role but binds nobody to it (the Node
# authorizer normally does that job); bind the nodes group.
api POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{
  "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
  "metadata": { "name": "diagnose-e2e:nodes" },
  "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node" },
  "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:nodes" }]
}' >/dev/null

# --- processes -------------------------------------------------------------------------------
launch() {
  local name="$1"
  shift
  setsid "$@" </dev/null >"${NODE_DIR}/logs/${name}.log" 2>&1 &
  echo $! >"${NODE_DIR}/pids/${name}.pid"
}
wait_for() {
  local name="$1" check="$2" deadline=$((SECONDS + timeout))
  until "${check}"; do
    if ! kill -0 "$(cat "${NODE_DIR}/pids/${name}.pid")" 2>/dev/null; then
      tail -n 30 "${NODE_DIR}/logs/${name}.log" >&2 || true
      die "${name} exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "${NODE_DIR}/logs/${name}.log" >&2 || true
      die "${name} not ready within ${timeout}s"
    fi
    sleep 0.5
  done
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    if port_free "${p}"; then
      echo "${p}"
      return 0
    fi
  done
  die "found no free port"
}

sched_port="$(free_port)"
log "starting kube-scheduler on 127.0.0.1:${sched_port}"
launch kube-scheduler "${bin}/kube-scheduler" \
  --kubeconfig="${NODE_DIR}/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="${NODE_DIR}/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="${NODE_DIR}/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="${sched_port}" \
  --leader-elect=false --profiling=false
sched_ready() { curl -skf --max-time 2 "https://127.0.0.1:${sched_port}/healthz" >/dev/null 2>&1; }
wait_for kube-scheduler sched_ready

# --- network: the bridge the CNI plugin attaches pods to, and the `kubernetes` Service --------
log "bridge ${NODE_BRIDGE} ${NODE_GATEWAY}/24"
ip link add "${NODE_BRIDGE}" type bridge
ip addr add "${NODE_GATEWAY}/24" dev "${NODE_BRIDGE}"
ip link set "${NODE_BRIDGE}" up
sysctl -qw "net.ipv4.conf.${NODE_BRIDGE}.route_localnet=1"
iptables -t nat -N "${NODE_NAT_CHAIN}"
iptables -t nat -A "${NODE_NAT_CHAIN}" -d "${NODE_SERVICE_IP}/32" -p tcp --dport 443 \
  -j DNAT --to-destination "127.0.0.1:${api_port}"
iptables -t nat -I PREROUTING -i "${NODE_BRIDGE}" -j "${NODE_NAT_CHAIN}"

jq -n --arg br "${NODE_BRIDGE}" --arg gw "${NODE_GATEWAY}" --arg subnet "${NODE_POD_CIDR}" \
  --arg ipam "${NODE_DIR}/cni/ipam" '{
  cniVersion: "1.0.0", name: "diagnose-e2e",
  plugins: [{
    type: "bridge", bridge: $br, isGateway: true, ipMasq: false, hairpinMode: true,
    ipam: { type: "host-local", dataDir: $ipam, routes: [{ dst: "0.0.0.0/0" }],
            ranges: [[{ subnet: $subnet, gateway: $gw }]] }
  }]
}' >"${NODE_DIR}/cni/net.d/10-diagnose-e2e.conflist"

# --- cgroups: one root per v1 hierarchy, so teardown removes exactly what the kubelet made ---
for h in /sys/fs/cgroup/*/; do
  h="${h%/}"
  [[ "$(stat -fc %T "${h}")" == "cgroupfs" ]] || continue
  mkdir -p "${h}/${NODE_CGROUP_ROOT}"
  if [[ -f "${h}/cpuset.cpus" ]]; then
    cat "${h}/cpuset.cpus" >"${h}/${NODE_CGROUP_ROOT}/cpuset.cpus"
    cat "${h}/cpuset.mems" >"${h}/${NODE_CGROUP_ROOT}/cpuset.mems"
  fi
done

# Host paths the kubelet and containerd make whatever their root dirs (the device plugin
# socket, the shims' socket dir...): note the ones that are new, so node-down removes only those.
for p in /var/lib/kubelet /run/containerd /var/log/containers /var/lib/cni; do
  [[ -e "${p}" ]] || echo "${p}" >>"${NODE_DIR}/created-host-paths"
done

# --- containerd --------------------------------------------------------------------------------
cat >"${NODE_DIR}/containerd/config.toml" <<EOF
version = 2
root = "${NODE_DIR}/containerd/root"
state = "${NODE_DIR}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "${NODE_CONTAINERD_SOCK}"
[ttrpc]
  address = "${NODE_CONTAINERD_SOCK}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${NODE_DIR}/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "diagnose.local/pause:e2e"
  enable_selinux = false
  # root here lacks CAP_SYS_RESOURCE (not in the bounding set), so runc cannot lower
  # oom_score_adj to the kubelet's -998 for sandboxes: clamp to containerd's own value.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${NODE_DIR}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${NODE_CNI_BIN}"
    conf_dir = "${NODE_DIR}/cni/net.d"
    max_conf_num = 1
EOF
log "starting containerd ($(containerd --version | awk '{ print $3 }')) on ${NODE_CONTAINERD_SOCK}"
launch containerd containerd --config "${NODE_DIR}/containerd/config.toml" --log-level warn
ctr_() { ctr --address "${NODE_CONTAINERD_SOCK}" --namespace k8s.io "$@"; }
containerd_ready() { ctr_ version >/dev/null 2>&1; }
wait_for containerd containerd_ready

# Each image under its name and, for the chart's image.digest, also as NAME@sha256:<manifest>
# (--digests with the name's repository as base name), as a registry pull would record it.
for a in "${archives[@]}"; do
  ref="$(tar -xOf "${a}" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"] // empty')"
  [[ "${ref}" == */*:* ]] || die "${a}: no full image name in its index.json (org.opencontainers.image.ref.name)"
  log "importing ${ref}"
  ctr_ images import --digests --base-name "${ref%:*}" "${a}" >>"${NODE_DIR}/logs/ctr-import.log" 2>&1 ||
    die "ctr images import ${a} failed: $(tail -n 5 "${NODE_DIR}/logs/ctr-import.log")"
done

# --- kubelet -------------------------------------------------------------------------------------
healthz_port="$(free_port)"
cat >"${NODE_DIR}/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_GATEWAY}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${healthz_port}
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: ${pki}/ca.crt }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://${NODE_CONTAINERD_SOCK}
imageServiceEndpoint: unix://${NODE_CONTAINERD_SOCK}
cgroupDriver: cgroupfs
cgroupRoot: /${NODE_CGROUP_ROOT}
failCgroupV1: false
failSwapOn: false
podLogsDir: ${NODE_DIR}/pod-logs
clusterDomain: cluster.local
maxPods: 30
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
EOF
log "starting kubelet ${K8S_VERSION} as node ${NODE_NAME} (${NODE_GATEWAY})"
launch kubelet "${bin}/kubelet" \
  --config="${NODE_DIR}/kubelet/config.yaml" \
  --kubeconfig="${NODE_DIR}/kubelet.kubeconfig" \
  --root-dir="${NODE_DIR}/kubelet" \
  --cert-dir="${NODE_DIR}/kubelet/pki" \
  --hostname-override="${NODE_NAME}" \
  --node-ip="${NODE_GATEWAY}" \
  --v=1
node_ready() {
  api GET "/api/v1/nodes/${NODE_NAME}" 2>/dev/null |
    jq -e '.status.conditions[]? | select(.type == "Ready" and .status == "True")' >/dev/null 2>&1
}
wait_for kubelet node_ready
log "node ${NODE_NAME} Ready"
trap - EXIT
