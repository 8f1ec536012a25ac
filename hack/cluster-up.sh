#!/usr/bin/env bash
# Starts a local control plane for integration tests, the way envtest does:
# etcd + kube-apiserver + kube-controller-manager (so Jobs make Pods and the
# garbage collector runs) on 127.0.0.1, free ports, no scheduler, no kubelet
# (Pods stay Pending). Binaries come from hack/build-tools.sh.
#
# Env:
#   DIAGNOSE_CLUSTER_DIR      state dir (default /tmp/diagnose-cluster): certs,
#                             kubeconfigs, etcd data, logs, pids
#   DIAGNOSE_CLUSTER_TIMEOUT  seconds to wait for /readyz (default 60)
#   DIAGNOSE_TOOLS_DIR        see hack/lib/tools-env.sh
#
# --full: also a node (kube-scheduler, containerd, CNI, kubelet) from hack/e2e/node-up.sh with
#   the operator's image (hack/image/build.sh: the Dockerfile) and the e2e workload images
#   imported: a real one-node cluster (needs root, build-tools.sh --full); the operator image's
#   metadata is in <dir>/operator-image.json.
#
# Prints `export KUBECONFIG=<dir>/kubeconfig` on stdout; progress on stderr.
# Stop with hack/cluster-down.sh (same DIAGNOSE_CLUSTER_DIR).
set -euo pipefail

# shellcheck source=lib/tools-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools-env.sh"
# shellcheck source=lib/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"
log_init cluster-up

full=0
for arg in "$@"; do
  case "${arg}" in
  --full) full=1 ;;
  *)
    echo "cluster-up: unknown argument: ${arg}" >&2
    exit 2
    ;;
  esac
done

dir="${DIAGNOSE_CLUSTER_DIR:-/tmp/diagnose-cluster}"
timeout="${DIAGNOSE_CLUSTER_TIMEOUT:-60}"
bin="${DIAGNOSE_TOOLS_BIN_DIR}"

for b in etcd kube-apiserver kube-controller-manager; do
  [[ -x "${bin}/${b}" ]] || die "${bin}/${b} is missing: run npm run tools:build"
done
for c in openssl curl setsid; do
  command -v "${c}" >/dev/null 2>&1 || die "${c} is not installed"
done

if [[ -e "${dir}" ]]; then
  if [[ -f "${dir}/.diagnose-cluster" ]]; then
    for f in "${dir}"/pids/*.pid; do
      [[ -f "${f}" ]] || continue
      if kill -0 "$(cat "${f}")" 2>/dev/null; then
        die "a cluster is already running in ${dir}: run hack/cluster-down.sh first"
      fi
    done
    rm -rf "${dir}"
  elif [[ -n "$(ls -A "${dir}")" ]]; then
    die "${dir} exists, is not empty and is not a cluster dir"
  fi
fi
mkdir -p "${dir}"
dir="$(cd "${dir}" && pwd)"
touch "${dir}/.diagnose-cluster"
mkdir -p "${dir}/pki" "${dir}/logs" "${dir}/pids" "${dir}/etcd"
chmod 700 "${dir}/pki" "${dir}/etcd"

# If anything below fails, stop what was started and keep the logs for a look.
started=0
on_exit() {
  local rc=$?
  if [[ ${rc} -ne 0 && ${started} -eq 1 ]]; then
    echo "cluster-up: failed; stopping the processes started (logs kept in ${dir}/logs)" >&2
    DIAGNOSE_CLUSTER_DIR="${dir}" DIAGNOSE_CLUSTER_KEEP=1 bash "${DIAGNOSE_REPO_ROOT}/hack/cluster-down.sh" || true
  fi
}
trap on_exit EXIT

# --- free ports ------------------------------------------------------------
declare -A taken=()
port_free() {
  # Nothing accepts a connection on it (and we have not handed it out).
  [[ -z "${taken[$1]:-}" ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    # Below the ephemeral range (32768+) so an outgoing connection cannot hold it meanwhile.
    p=$((20000 + RANDOM % 12000))
    if port_free "${p}"; then
      taken[${p}]=1
      echo "${p}"
      return 0
    fi
  done
  die "found no free port"
}
etcd_port="$(free_port)"
taken[${etcd_port}]=1
etcd_peer_port="$(free_port)"
taken[${etcd_peer_port}]=1
api_port="$(free_port)"
taken[${api_port}]=1
kcm_port="$(free_port)"
server="https://127.0.0.1:${api_port}"

# --- certificates ----------------------------------------------------------
log "generating certificates in ${dir}/pki"
pki="${dir}/pki"
ossl() { openssl "$@" 2>>"${dir}/logs/openssl.log" >/dev/null; }
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

newkey "${pki}/ca.key"
ossl req -x509 -new -key "${pki}/ca.key" -sha256 -days 3650 -subj "/CN=diagnose-operator-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
  -out "${pki}/ca.crt"

# sign CA NAME SUBJECT EXTFILE-CONTENT: key + cert NAME signed by CA.
sign() {
  local ca="$1" name="$2" subj="$3" ext="$4"
  newkey "${pki}/${name}.key"
  ossl req -new -key "${pki}/${name}.key" -subj "${subj}" -out "${pki}/${name}.csr"
  printf '%s\n' "${ext}" >"${pki}/${name}.ext"
  ossl x509 -req -in "${pki}/${name}.csr" -CA "${pki}/${ca}.crt" -CAkey "${pki}/${ca}.key" -CAcreateserial \
    -sha256 -days 3650 -extfile "${pki}/${name}.ext" -out "${pki}/${name}.crt"
  rm -f "${pki}/${name}.csr" "${pki}/${name}.ext"
}
client_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
sign ca apiserver "/CN=kube-apiserver" "$(
  printf '%s\n' \
    'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' \
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local'
)"
sign ca admin "/O=system:masters/CN=diagnose-admin" "${client_ext}"
# Front-proxy (request-header) CA and the apiserver's proxy client cert, so
# the extension-apiserver-authentication ConfigMap is complete.
newkey "${pki}/front-proxy-ca.key"
ossl req -x509 -new -key "${pki}/front-proxy-ca.key" -sha256 -days 3650 -subj "/CN=diagnose-operator-front-proxy-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
  -out "${pki}/front-proxy-ca.crt"
sign front-proxy-ca front-proxy-client "/CN=front-proxy-client" "${client_ext}"
sign ca kube-controller-manager "/CN=system:kube-controller-manager" "${client_ext}"
# --full: the apiserver's client cert for the kubelet (logs, exec), and reach nodes by IP.
kubelet_flags=()
if [[ "${full}" -eq 1 ]]; then
  sign ca apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "${client_ext}"
  kubelet_flags=(
    --kubelet-client-certificate="${pki}/apiserver-kubelet-client.crt"
    --kubelet-client-key="${pki}/apiserver-kubelet-client.key"
    --kubelet-preferred-address-types=InternalIP
  )
fi
# Service-account token signing key.
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${pki}/sa.key"
ossl pkey -in "${pki}/sa.key" -pubout -out "${pki}/sa.pub"
chmod 600 "${pki}"/*.key

# kubeconfig FILE USER CERT-NAME
kubeconfig() {
  local file="$1" user="$2" name="$3"
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    echo "- name: diagnose"
    echo "  cluster:"
    echo "    server: ${server}"
    echo "    certificate-authority-data: $(base64 -w0 "${pki}/ca.crt")"
    echo "users:"
    echo "- name: ${user}"
    echo "  user:"
    echo "    client-certificate-data: $(base64 -w0 "${pki}/${name}.crt")"
    echo "    client-key-data: $(base64 -w0 "${pki}/${name}.key")"
    echo "contexts:"
    echo "- name: diagnose"
    echo "  context:"
    echo "    cluster: diagnose"
    echo "    user: ${user}"
    echo "current-context: diagnose"
  } >"${file}"
  chmod 600 "${file}"
}
kubeconfig "${dir}/kubeconfig" diagnose-admin admin
kubeconfig "${dir}/kube-controller-manager.kubeconfig" system:kube-controller-manager kube-controller-manager

# --- processes -------------------------------------------------------------
# launch NAME ARGS...: own session (so its whole process group can be killed),
# output to logs/NAME.log, pid in pids/NAME.pid.
launch() {
  local name="$1"
  shift
  setsid "$@" </dev/null >"${dir}/logs/${name}.log" 2>&1 &
  echo $! >"${dir}/pids/${name}.pid"
  started=1
}

tail_log() {
  echo "--- last lines of ${dir}/logs/$1.log ---" >&2
  tail -n 25 "${dir}/logs/$1.log" >&2 || true
}

# wait_for NAME CHECK-FUNCTION
wait_for() {
  local name="$1" check="$2" deadline=$((SECONDS + timeout))
  until "${check}"; do
    if ! kill -0 "$(cat "${dir}/pids/${name}.pid")" 2>/dev/null; then
      tail_log "${name}"
      die "${name} exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "${name}"
      die "${name} did not become ready within ${timeout}s"
    fi
    sleep 0.2
  done
}

log "starting etcd on 127.0.0.1:${etcd_port}"
launch etcd "${bin}/etcd" \
  --name=diagnose \
  --data-dir="${dir}/etcd" \
  --listen-client-urls="http://127.0.0.1:${etcd_port}" \
  --advertise-client-urls="http://127.0.0.1:${etcd_port}" \
  --listen-peer-urls="http://127.0.0.1:${etcd_peer_port}" \
  --initial-advertise-peer-urls="http://127.0.0.1:${etcd_peer_port}" \
  --initial-cluster="diagnose=http://127.0.0.1:${etcd_peer_port}" \
  --unsafe-no-fsync=true \
  --log-level=warn
etcd_ready() { curl -sf --max-time 2 "http://127.0.0.1:${etcd_port}/health" >/dev/null 2>&1; }
wait_for etcd etcd_ready
log "etcd ready"

log "starting kube-apiserver on ${server}"
launch kube-apiserver "${bin}/kube-apiserver" \
  --advertise-address=127.0.0.1 \
  --bind-address=127.0.0.1 \
  --secure-port="${api_port}" \
  --cert-dir="${pki}" \
  --tls-cert-file="${pki}/apiserver.crt" \
  --tls-private-key-file="${pki}/apiserver.key" \
  --client-ca-file="${pki}/ca.crt" \
  --requestheader-client-ca-file="${pki}/front-proxy-ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="${pki}/front-proxy-client.crt" \
  --proxy-client-key-file="${pki}/front-proxy-client.key" \
  --etcd-servers="http://127.0.0.1:${etcd_port}" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="${pki}/sa.pub" \
  --service-account-signing-key-file="${pki}/sa.key" \
  --authorization-mode=RBAC \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  "${kubelet_flags[@]}" \
  --profiling=false
api_ready() {
  curl -sf --max-time 2 --cacert "${pki}/ca.crt" --cert "${pki}/admin.crt" --key "${pki}/admin.key" \
    "${server}/readyz" >/dev/null 2>&1
}
wait_for kube-apiserver api_ready
log "kube-apiserver ready"

log "starting kube-controller-manager on 127.0.0.1:${kcm_port}"
launch kube-controller-manager "${bin}/kube-controller-manager" \
  --kubeconfig="${dir}/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="${dir}/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="${dir}/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="${kcm_port}" \
  --cert-dir="${dir}/kcm-certs" \
  --service-account-private-key-file="${pki}/sa.key" \
  --root-ca-file="${pki}/ca.crt" \
  --cluster-signing-cert-file="${pki}/ca.crt" \
  --cluster-signing-key-file="${pki}/ca.key" \
  --controllers='*' \
  --use-service-account-credentials=true \
  --leader-elect=false \
  --profiling=false
kcm_ready() { curl -skf --max-time 2 "https://127.0.0.1:${kcm_port}/healthz" >/dev/null 2>&1; }
wait_for kube-controller-manager kcm_ready
log "kube-controller-manager ready"

{
  echo "{"
  echo "  \"server\": \"${server}\","
  echo "  \"kubeconfig\": \"${dir}/kubeconfig\","
  echo "  \"apiserverPort\": ${api_port},"
  echo "  \"etcdPort\": ${etcd_port},"
  echo "  \"controllerManagerPort\": ${kcm_port},"
  echo "  \"logDir\": \"${dir}/logs\""
  echo "}"
} >"${dir}/cluster.json"

if [[ "${full}" -eq 1 ]]; then
  # The operator's image is the Dockerfile's (built or taken from its cache); its metadata (ref,
  # digest, archive) goes to the cluster dir for the e2e's helm install.
  cp "$(bash "${DIAGNOSE_REPO_ROOT}/hack/image/build.sh")" "${dir}/operator-image.json"
  workload_list="$(bash "${DIAGNOSE_REPO_ROOT}/hack/e2e/workload-images.sh")"
  mapfile -t workloads < <(cut -d' ' -f2 <<<"${workload_list}")
  bash "${DIAGNOSE_REPO_ROOT}/hack/e2e/node-up.sh" "${dir}" "$(jq -r .archive "${dir}/operator-image.json")" "${workloads[@]}"
fi

log "control plane up (${server}); stop with: DIAGNOSE_CLUSTER_DIR=${dir} bash hack/cluster-down.sh"
echo "export KUBECONFIG=${dir}/kubeconfig"
