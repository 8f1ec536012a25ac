#!/usr/bin/env bash
# Shared settings of the image scripts (sourced, not run): where the caches live and the buildah
# command line every script uses.
#
# buildah runs daemonless as root with its own storage under the cache (not the machine's
# /var/lib/containers): chroot isolation (no runtime, no user namespaces), host network for RUN
# steps (they reach the package registries the host reaches).

image_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
source "${image_here}/../lib/log.sh"

DIAGNOSE_REPO_ROOT="$(cd "${image_here}/../.." && pwd)"
DIAGNOSE_IMAGE_CACHE="${DIAGNOSE_TOOLS_DIR:-${HOME}/.cache/diagnose-operator}/image"
mkdir -p "${DIAGNOSE_IMAGE_CACHE}"
# Storage driver: overlay where this kernel mounts it on the cache's file system (the Dockerfile
# builds in ~2.5 min here, against ~8 min on vfs, which copies the whole tree for every step);
# vfs everywhere else. DIAGNOSE_BUILDAH_DRIVER=vfs|overlay forces one.
overlay_mounts() {
  local t rc=1
  t="$(mktemp -d "${DIAGNOSE_IMAGE_CACHE}/.overlay-probe.XXXXXX")" || return 1
  mkdir -p "${t}"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=${t}/lower,upperdir=${t}/upper,workdir=${t}/work" "${t}/merged" 2>/dev/null; then
    umount "${t}/merged"
    rc=0
  fi
  rm -rf "${t}"
  return "${rc}"
}
if [[ -z "${DIAGNOSE_BUILDAH_DRIVER:-}" ]]; then
  DIAGNOSE_BUILDAH_DRIVER=vfs
  if [[ "$(id -u)" -eq 0 ]] && overlay_mounts; then DIAGNOSE_BUILDAH_DRIVER=overlay; fi
fi
DIAGNOSE_BUILDAH_ROOT="${DIAGNOSE_IMAGE_CACHE}/storage-${DIAGNOSE_BUILDAH_DRIVER}"
DIAGNOSE_BUILDAH_RUNROOT="/run/diagnose-operator-buildah-${DIAGNOSE_BUILDAH_DRIVER}"

# The base image names the Dockerfile's FROM resolves to (docker.io/library/...).
NODE_BASE_REF="docker.io/library/node:24-bookworm-slim"
DEBIAN_BASE_REF="docker.io/library/debian:bookworm-slim"
# Label on the stand-in bases: the recipe key they were built from.
BASE_RECIPE_LABEL="dev.diagnose-operator.stand-in-base"

bah() {
  buildah --root "${DIAGNOSE_BUILDAH_ROOT}" --runroot "${DIAGNOSE_BUILDAH_RUNROOT}" \
    --storage-driver "${DIAGNOSE_BUILDAH_DRIVER}" "$@"
}

# image_label REF LABEL: the label's value on a local image, empty when absent.
image_label() {
  bah inspect --type image --format "{{ index .OCIv1.Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

require_image_tools() {
  [[ "$(id -u)" -eq 0 ]] || die "needs root (buildah with chroot isolation, mmdebstrap)"
  local c
  for c in buildah "$@"; do
    command -v "${c}" >/dev/null 2>&1 || die "${c} is not installed: run bash hack/install-system-deps.sh"
  done
}
