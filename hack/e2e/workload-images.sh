#!/usr/bin/env bash
# The e2e cluster's other images, built from their Containerfiles with buildah (hack/image/lib.sh)
# as OCI archives for `ctr images import`:
#   diagnose.local/pause:e2e  images/pause: a static Go pause, the node's sandbox image
#   diagnose.local/jvm:e2e    images/jvm: Debian's OpenJDK 17 runtime + Alloc.class (S1's workload),
#                             on the stand-in debian:bookworm-slim of hack/image/build-base.sh
# The operator's own image is the Dockerfile's (hack/image/build.sh).
# Cached under ${DIAGNOSE_TOOLS_DIR:-~/.cache/diagnose-operator}/image/e2e/, keyed by each
# image's inputs; prints "NAME ARCHIVE" lines on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../image/lib.sh
source "${here}/../image/lib.sh"
log_init workload-images
require_image_tools go javac
repo="${DIAGNOSE_REPO_ROOT}"
alloc="${repo}/test/support/faults/Alloc.java"
out="${DIAGNOSE_IMAGE_CACHE}/e2e"
mkdir -p "${out}"

# key FILES...: a short hash of the files' contents, this script and the buildah version.
key() {
  { cat "${BASH_SOURCE[0]}" "$@"; buildah --version; } | sha256sum | cut -c1-16
}

# image NAME KEY PREPARE: build images/NAME/Containerfile (context prepared by PREPARE CONTEXT_DIR)
# into OUT/NAME-KEY.oci.tar unless it exists.
image() {
  local name="$1" k="$2" prepare="$3" ref="diagnose.local/$1:e2e"
  local tar="${out}/${name}-${k}.oci.tar"
  if [[ ! -f "${tar}" ]]; then
    local ctx
    ctx="$(mktemp -d "${out}/.${name}.XXXXXX")"
    cp "${here}/images/${name}/Containerfile" "${ctx}/"
    "${prepare}" "${ctx}"
    log "${name}: building"
    if ! bah build --isolation chroot --pull=never --quiet -f "${ctx}/Containerfile" -t "${ref}" "${ctx}" >/dev/null; then
      rm -rf "${ctx}"
      die "buildah build of images/${name} failed"
    fi
    bah push --quiet "${ref}" "oci-archive:${ctx}/image.tar:${ref}"
    rm -f "${out}/${name}"-*.oci.tar
    mv "${ctx}/image.tar" "${tar}"
    rm -rf "${ctx}"
    log "${name}: ${tar} ($(du -m "${tar}" | cut -f1) MiB)"
  fi
  echo "${name} ${tar}"
}

prepare_pause() {
  (cd "${here}/images/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags '-s -w' -o "$1/pause" .)
}
prepare_jvm() {
  javac --release 17 -d "$1" "${alloc}"
}

image pause "$(key "${here}"/images/pause/*)" prepare_pause
base_key="$(bash "${here}/../image/build-base.sh")"
image jvm "$(key "${here}"/images/jvm/* "${alloc}" <(echo "${base_key}"))" prepare_jvm
