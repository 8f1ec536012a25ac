#!/usr/bin/env bash
# Builds the e2e cluster's images without a registry or a Docker engine, from this host's own
# files, as OCI archives for `ctr images import` (hack/e2e/oci-image.sh):
#   diagnose.local/pause:e2e              a static Go pause (hack/e2e/pause), the sandbox image
#   diagnose.local/diagnose-operator:e2e  what the Dockerfile builds: Node 24 + dist + production
#                                         node_modules + the collector's tools (copied with their
#                                         shared libraries from this Debian 12 host)
#   diagnose.local/jvm:e2e                OpenJDK 17 (this host's) + Alloc.class (the S1 workload)
# Cached under ${DIAGNOSE_TOOLS_DIR:-~/.cache/diagnose-operator}/e2e-images/, keyed by a hash of
# the inputs; prints the image folder on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/rootfs.sh
source "${here}/lib/rootfs.sh"

out="${DIAGNOSE_TOOLS_DIR:-${HOME}/.cache/diagnose-operator}/e2e-images"
mkdir -p "${out}"
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
source "${here}/../lib/log.sh"
log_init build-images

# key WORDS...: a short hash of file contents and strings.
key() {
  local f
  for f in "$@"; do
    # Contents and paths relative to each argument: the same tree elsewhere has the same key.
    if [[ -d "${f}" ]]; then
      (cd "${f}" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    elif [[ -f "${f}" ]]; then
      sha256sum <"${f}"
    else
      echo "${f}"
    fi
  done | sha256sum | cut -c1-16
}

# image NAME KEY BUILDER: build NAME via the BUILDER function unless its keyed tar exists.
image() {
  local name="$1" k="$2" builder="$3"
  local tar="${out}/${name}-${k}.tar"
  if [[ -f "${tar}" ]]; then
    log "${name}: cached (${tar})"
  else
    local root
    root="$(mktemp -d "${out}/.${name}-rootfs.XXXXXX")"
    log "${name}: building"
    "${builder}" "${root}"
    rm -f "${out}/${name}"-*.tar
    "${here}/oci-image.sh" "${root}" "diagnose.local/${name}:e2e" "${tar}" "$(config_"${builder#build_}")"
    rm -rf "${root}"
    log "${name}: built"
  fi
  ln -sfn "$(basename "${tar}")" "${out}/${name}.tar"
}

# --- pause ---------------------------------------------------------------------------------
config_pause() { echo '{"Entrypoint":["/pause"],"User":"65535:65535"}'; }
build_pause() {
  (cd "${here}/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags '-s -w' -o "$1/pause" .)
}

# --- jvm -----------------------------------------------------------------------------------
jdk="$(realpath /usr/lib/jvm/java-17-openjdk-amd64)"
config_jvm() {
  jq -nc --arg jdk "${jdk}" '{Env: ["PATH=\($jdk)/bin:/usr/bin:/bin", "JAVA_HOME=\($jdk)"], WorkingDir: "/app"}'
}
build_jvm() {
  local root="$1"
  rootfs_init "${root}"
  mkdir -p "${root}${jdk}"
  # The runtime only: no jmods, sources, demos or man pages.
  (cd "${jdk}" && tar --exclude=./jmods --exclude=./lib/src.zip --exclude=./demo --exclude=./man -cf - .) |
    tar -C "${root}${jdk}" -xf -
  # Debian's JDK links its conf and security files into /etc.
  rootfs_add "${root}" /etc/java-17-openjdk /usr/bin/sh /usr/bin/env
  [[ -e /etc/ssl/certs/java/cacerts ]] && rootfs_add "${root}" /etc/ssl/certs/java/cacerts
  rootfs_add_tree_libs "${root}" "${root}${jdk}"
  mkdir -p "${root}/app"
  javac -d "${root}/app" "${repo}/test/support/faults/Alloc.java"
}

# --- operator ------------------------------------------------------------------------------
config_operator() {
  echo '{"Env":["PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NODE_ENV=production"],"WorkingDir":"/opt/diagnose-operator","User":"65532:65532","Cmd":["diagnose-operator"]}'
}
# The commands the collector runs (test/unit/dockerfileTools.test.ts lists them per package),
# as far as this host has them.
collector_tools=(ip tc ss nstat bridge iptables iptables-save ip6tables-save iptables-legacy-save
  iptables-nft-save ip6tables-legacy-save ip6tables-nft-save iptables-legacy iptables-nft
  nft conntrack perf ps pgrep sysctl top nsenter lsns dmesg pidstat ethtool netstat lsof cat sh env)
build_operator() {
  local root="$1" app="$1/opt/diagnose-operator"
  rootfs_init "${root}"
  local t p
  for t in "${collector_tools[@]}"; do
    p="$(command -v "${t}" || true)"
    if [[ -z "${p}" ]]; then
      log "operator: ${t} is not installed on this host; the image goes without it"
      continue
    fi
    rootfs_add "${root}" "${p}"
  done
  # iptables loads its matches and targets (statistic, DROP...) as plugins.
  rootfs_add "${root}" /usr/lib/x86_64-linux-gnu/xtables /etc/iproute2 /etc/ethertypes
  rootfs_add_tree_libs "${root}" "${root}/usr/lib/x86_64-linux-gnu/xtables"
  # Node 24 (the project's own `node` devDependency); debug info stripped.
  mkdir -p "${root}/usr/local/bin"
  objcopy --strip-debug "${repo}/node_modules/node/bin/node" "${root}/usr/local/bin/node"
  _rootfs_add_libs "${root}" "${root}/usr/local/bin/node"
  # The build stage of the Dockerfile (npm run build): tsc to dist/ for the collector and the
  # CLI, the operator as one esbuild bundle, production dependencies only.
  mkdir -p "${app}"
  cp "${src}/package.json" "${src}/package-lock.json" "${app}/"
  (cd "${src}" && "${repo}/node_modules/.bin/tsc" -p tsconfig.build.json --outDir "${app}/dist" --sourceMap false) >&2
  (cd "${src}" && "${repo}/node_modules/.bin/tsx" hack/bundle-operator.ts --outfile "${app}/dist/operator-bundle/diagnose-operator.mjs") >&2
  (cd "${app}" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error) >&2
  rm -f "${app}/package-lock.json"
  local bin
  for bin in operator-bundle/diagnose-operator.mjs:diagnose-operator operator/collector/main.js:diagnose-collector \
    operator/cli/main.js:kubectl-diagnose; do
    chmod 0755 "${app}/dist/${bin%%:*}"
    ln -s "/opt/diagnose-operator/dist/${bin%%:*}" "${root}/usr/local/bin/${bin##*:}"
  done
}

# The operator's sources: the working tree, or with DIAGNOSE_E2E_FROM_GIT_HEAD=1 the committed
# tree (a shared working tree may hold someone's half-made edit).
src="${repo}"
if [[ "${DIAGNOSE_E2E_FROM_GIT_HEAD:-0}" == "1" ]]; then
  src="$(mktemp -d "${out}/.src.XXXXXX")"
  trap 'rm -rf "${src}"' EXIT
  git -C "${repo}" archive HEAD operator hack/bundle-operator.ts package.json package-lock.json tsconfig.json \
    tsconfig.build.json |
    tar -x -C "${src}"
  ln -s "${repo}/node_modules" "${src}/node_modules"
  log "operator sources from git HEAD $(git -C "${repo}" rev-parse --short HEAD)"
fi

command -v go javac jq objcopy ldd >/dev/null || {
  echo "build-images: needs go, javac, jq, objcopy (binutils) and ldd" >&2
  exit 1
}
image pause "$(key "${here}/pause" "${here}/oci-image.sh")" build_pause
image jvm "$(key "${jdk}/release" "${repo}/test/support/faults/Alloc.java" "${here}/lib/rootfs.sh" "${here}/oci-image.sh")" build_jvm
image diagnose-operator "$(key "${src}/operator" "${src}/package-lock.json" "${src}/tsconfig.json" \
  "${src}/tsconfig.build.json" "${src}/hack/bundle-operator.ts" "${here}/lib/rootfs.sh" "${here}/oci-image.sh" "$(node --version)")" build_operator
log "done"
echo "${out}"
