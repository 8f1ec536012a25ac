#!/usr/bin/env bash
# Builds the control-plane tools from source (Go module proxy only) into a
# cache folder outside the repo, named after their versions:
#   ${DIAGNOSE_TOOLS_DIR:-$HOME/.cache/diagnose-operator}/tools/<key>/
# Default: kube-apiserver, kube-controller-manager, etcd, helm.
# --full:  also kubelet and kube-scheduler (for the single-node e2e cluster).
# --force: rebuild binaries that are already there.
# Only missing binaries are built. Versions: hack/lib/tools-env.sh; the
# wrapper modules hack/tools/{,helm/}go.mod come from hack/gen-tools-gomod.sh.
set -euo pipefail

# shellcheck source=lib/tools-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools-env.sh"

full=0
force=0
for arg in "$@"; do
  case "${arg}" in
  --full) full=1 ;;
  --force) force=1 ;;
  -h | --help)
    sed -n '2,10p' "${BASH_SOURCE[0]}"
    exit 0
    ;;
  *)
    echo "build-tools: unknown argument: ${arg}" >&2
    exit 2
    ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "build-tools: go is not on PATH" >&2
  exit 1
fi

export CGO_ENABLED=0
export GOTOOLCHAIN=local
export GOFLAGS=-mod=readonly

helm_module_dir="${DIAGNOSE_TOOLS_MODULE_DIR}/helm"

# Module release time from the proxy's .info: a reproducible build date.
module_time() {
  local dir="$1" mod="$2"
  local info
  info="$(cd "${dir}" && go mod download -json "${mod}" |
    sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p')"
  [[ -f "${info}" ]] || return 0
  sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "${info}"
}

k8s_ldflags() {
  local build_date major minor
  build_date="$(module_time "${DIAGNOSE_TOOLS_MODULE_DIR}" "k8s.io/kubernetes@${K8S_VERSION}")"
  major="${K8S_VERSION#v}"
  major="${major%%.*}"
  minor="${K8S_VERSION#v*.}"
  minor="${minor%%.*}"
  local flags=(-s -w)
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=(
      -X "${pkg}.gitVersion=${K8S_VERSION}"
      -X "${pkg}.gitMajor=${major}"
      -X "${pkg}.gitMinor=${minor}"
      # Built from the module proxy's source archive: no git commit to name,
      # the same as kubernetes' own builds from a source archive.
      -X "${pkg}.gitTreeState=archive"
      -X "${pkg}.buildDate=${build_date}"
    )
    if [[ -n "${K8S_GIT_COMMIT:-}" ]]; then
      flags+=(-X "${pkg}.gitCommit=${K8S_GIT_COMMIT}")
    fi
  done
  echo "${flags[*]}"
}

helm_ldflags() {
  local k8s_minor
  k8s_minor="$(cd "${helm_module_dir}" && go list -m -f '{{.Version}}' k8s.io/client-go)"
  k8s_minor="${k8s_minor#v0.}"
  k8s_minor="${k8s_minor%%.*}"
  local flags=(
    -s -w
    -X "helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
    -X "helm.sh/helm/v3/internal/version.gitTreeState=clean"
    -X "helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1"
    -X "helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${k8s_minor}"
    -X "helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1"
    -X "helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${k8s_minor}"
  )
  echo "${flags[*]}"
}

etcd_ldflags() {
  echo "-s -w"
}

# build NAME MODULE_DIR PACKAGE LDFLAGS
build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  local out="${DIAGNOSE_TOOLS_BIN_DIR}/${name}"
  if [[ -x "${out}" && "${force}" -eq 0 ]]; then
    echo "build-tools: ${name}: up to date (${out})" >&2
    return 0
  fi
  local tmp="${out}.tmp.$$"
  local log="${DIAGNOSE_TOOLS_BIN_DIR}/.build-${name}.log"
  local start=${SECONDS}
  echo "build-tools: ${name}: building ${pkg} ..." >&2
  # ldflags is a space-separated list we built above from fixed strings and versions.
  (cd "${dir}" && go build -trimpath -ldflags "${ldflags}" -o "${tmp}" "${pkg}") >"${log}" 2>&1 &
  local pid=$!
  local next=$((start + 15))
  while kill -0 "${pid}" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      echo "build-tools: ${name}: still building, $((SECONDS - start))s" >&2
      next=$((SECONDS + 15))
    fi
  done
  if ! wait "${pid}"; then
    rm -f "${tmp}"
    echo "build-tools: ${name}: FAILED after $((SECONDS - start))s; log ${log}:" >&2
    tail -n 40 "${log}" >&2
    return 1
  fi
  mv -f "${tmp}" "${out}"
  rm -f "${log}"
  local size
  size="$(du -m "${out}" | cut -f1)"
  echo "build-tools: ${name}: built in $((SECONDS - start))s (${size} MiB)" >&2
}

mkdir -p "${DIAGNOSE_TOOLS_BIN_DIR}"
echo "build-tools: tools dir ${DIAGNOSE_TOOLS_BIN_DIR}" >&2
total_start=${SECONDS}

k8s_flags="$(k8s_ldflags)"
build etcd "${DIAGNOSE_TOOLS_MODULE_DIR}" go.etcd.io/etcd/server/v3 "$(etcd_ldflags)"
build kube-apiserver "${DIAGNOSE_TOOLS_MODULE_DIR}" k8s.io/kubernetes/cmd/kube-apiserver "${k8s_flags}"
build kube-controller-manager "${DIAGNOSE_TOOLS_MODULE_DIR}" k8s.io/kubernetes/cmd/kube-controller-manager "${k8s_flags}"
build helm "${helm_module_dir}" helm.sh/helm/v3/cmd/helm "$(helm_ldflags)"
if [[ "${full}" -eq 1 ]]; then
  build kube-scheduler "${DIAGNOSE_TOOLS_MODULE_DIR}" k8s.io/kubernetes/cmd/kube-scheduler "${k8s_flags}"
  build kubelet "${DIAGNOSE_TOOLS_MODULE_DIR}" k8s.io/kubernetes/cmd/kubelet "${k8s_flags}"
fi

echo "build-tools: done in $((SECONDS - total_start))s" >&2
echo "${DIAGNOSE_TOOLS_BIN_DIR}"
