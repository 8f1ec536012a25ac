#!/usr/bin/env bash
# npm run image:build: builds the repository's Dockerfile, unchanged, with buildah (daemonless,
# as root) and writes the image as an OCI archive (for `ctr images import`, `skopeo copy`,
# `podman load`...), with its size checked against a budget.
#
# Base image: the Dockerfile's FROM node:24-bookworm-slim. The official image is pulled when a
# registry is reachable; where it cannot be pulled, the stand-in of hack/image/build-base.sh (a
# Debian 12 slim root file system + the project's own Node 24) is used, and the output says so.
# DIAGNOSE_IMAGE_BASE=official|stand-in forces one (default auto).
#
# Cached under ${DIAGNOSE_TOOLS_DIR:-~/.cache/diagnose-operator}/image/, keyed by what the build
# reads: the Dockerfile, .dockerignore, every file its COPY lines take from the context, the
# stand-in base's recipe, and this script. A second run with the same inputs builds nothing.
#
# Prints the path of the image's metadata (JSON: ref, digest, archive, sizes, base) on stdout.
# Env: DIAGNOSE_IMAGE_BUDGET_MB (unpacked size budget, default below), DIAGNOSE_IMAGE_REF.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "${here}/lib.sh"
log_init image-build
require_image_tools jq

repo="${DIAGNOSE_REPO_ROOT}"
dockerfile="${repo}/Dockerfile"
version="$(jq -r .version "${repo}/package.json")"
ref="${DIAGNOSE_IMAGE_REF:-ghcr.io/diagnose-dev/diagnose-operator:${version}}"
# The unpacked root file system may not grow past this (MiB); measured in hack/image/README.md.
budget_mb="${DIAGNOSE_IMAGE_BUDGET_MB:-400}"
base_mode="${DIAGNOSE_IMAGE_BASE:-auto}"
case "${base_mode}" in auto | official | stand-in) ;; *) die "DIAGNOSE_IMAGE_BASE=${base_mode}: auto, official or stand-in" ;; esac

# copy_sources: the context paths of the Dockerfile's COPY/ADD lines (not COPY --from=stage).
copy_sources() {
  awk '
    { line = prev $0; prev = "" }
    /\\$/ { sub(/\\$/, "", line); prev = line; next }
    toupper(line) ~ /^[ \t]*(COPY|ADD)[ \t]/ {
      n = split(line, w, /[ \t]+/); first = 0
      for (i = 1; i <= n; i++) if (toupper(w[i]) == "COPY" || toupper(w[i]) == "ADD") { first = i + 1; break }
      from = 0; out = ""
      for (i = first; i < n; i++) {
        if (w[i] ~ /^--from=/) from = 1
        if (w[i] ~ /^--/ || w[i] == "") continue
        out = out w[i] "\n"
      }
      if (!from) printf "%s", out
    }' "${dockerfile}"
}

# inputs_key: one hash over every input of the build.
inputs_key() {
  local src
  {
    echo "build.sh $(sha256sum <"${BASH_SOURCE[0]}")"
    echo "ref ${ref} budget ${budget_mb}"
    echo "stand-in base $(bash "${here}/build-base.sh" --key)"
    for src in Dockerfile .dockerignore; do echo "${src} $(sha256sum <"${repo}/${src}")"; done
    while read -r src; do
      src="${src#./}"
      if [[ "${src}" == *[*?[]* ]]; then
        # A glob: hash the whole context (more rebuilds, never a stale image).
        (cd "${repo}" && git ls-files -co --exclude-standard -z | sort -z | xargs -0 sha256sum 2>/dev/null)
      elif [[ -d "${repo}/${src}" ]]; then
        (cd "${repo}" && find "${src}" -type f -print0 | sort -z | xargs -0 -r sha256sum)
      elif [[ -f "${repo}/${src}" ]]; then
        echo "${src} $(sha256sum <"${repo}/${src}")"
      else
        echo "missing ${src}"
      fi
    done < <(copy_sources)
  } | sha256sum | cut -c1-16
}

out="${DIAGNOSE_IMAGE_CACHE}/diagnose-operator"
mkdir -p "${out}"
key="$(inputs_key)"
meta="${out}/${key}.json"
if [[ -f "${meta}" && -f "$(jq -r .archive "${meta}")" ]]; then
  log "cached: $(jq -r '"\(.ref)@\(.digest), \(.sizeMiB) MiB unpacked, \(.archiveMiB) MiB archive, base: \(.base)"' "${meta}")"
  echo "${meta}"
  exit 0
fi

# --- the base --------------------------------------------------------------------------------
base=""
if [[ "${base_mode}" != "stand-in" ]]; then
  log "pulling the official base ${NODE_BASE_REF}"
  if pulled="$(timeout 120 buildah --root "${DIAGNOSE_BUILDAH_ROOT}" --runroot "${DIAGNOSE_BUILDAH_RUNROOT}" \
    --storage-driver "${DIAGNOSE_BUILDAH_DRIVER}" pull --policy always --quiet "${NODE_BASE_REF}" 2>&1)"; then
    base="official ${NODE_BASE_REF}@$(bah inspect --type image --format '{{.FromImageDigest}}' "${NODE_BASE_REF}")"
  elif [[ "${base_mode}" == "official" ]]; then
    die "the official base cannot be pulled: $(tail -n 1 <<<"${pulled}")"
  else
    log "the official base cannot be pulled ($(tail -n 1 <<<"${pulled}" | cut -c1-160))"
  fi
fi
if [[ -z "${base}" ]]; then
  base="stand-in $(bash "${here}/build-base.sh")"
  log "building on the locally assembled stand-in for ${NODE_BASE_REF} (hack/image/build-base.sh: Debian 12 slim + the project's Node 24), not the official image"
fi

# --- the build -------------------------------------------------------------------------------
# Build-time only, not in the image: where this machine's npm trusts its own CA bundle (a
# TLS-intercepting proxy in front of the registry), the RUN steps' npm gets the same bundle.
mounts=()
cafile="$(npm config get cafile 2>/dev/null || true)"
[[ -f "${cafile}" ]] || cafile="${NODE_EXTRA_CA_CERTS:-}"
if [[ -f "${cafile}" ]]; then
  npmrc="$(mktemp)"
  trap 'rm -f "${npmrc}"' EXIT
  echo "cafile=/run/diagnose-build-ca.crt" >"${npmrc}"
  mounts=(-v "${cafile}:/run/diagnose-build-ca.crt:ro" -v "${npmrc}:/usr/local/etc/npmrc:ro")
  log "RUN steps: npm trusts ${cafile} (as this machine's npm does)"
fi
log "buildah build ${dockerfile} -> ${ref}"
start=${SECONDS}
# --layers: unchanged steps (apt-get, npm ci) come from the previous build's layers.
bah build --isolation chroot --pull=never --layers "${mounts[@]}" \
  -f "${dockerfile}" -t "${ref}" "${repo}" >&2 || die "buildah build of ${dockerfile} failed"
build_s=$((SECONDS - start))

# Unpacked size: the root file system a node's container runtime unpacks.
c="$(bah from --pull=never "${ref}")"
trap 'bah rm "${c}" >/dev/null 2>&1 || true' EXIT
size_bytes="$(du -sb "$(bah mount "${c}")" | cut -f1)"
bah rm "${c}" >/dev/null
trap - EXIT
size_mib=$(((size_bytes + 1048575) / 1048576))

tmp="$(mktemp "${out}/.archive.XXXXXX")"
trap 'rm -f "${tmp}"' EXIT
bah push --quiet "${ref}" "oci-archive:${tmp}:${ref}"
archive="${out}/${key}.oci.tar"
mv -f "${tmp}" "${archive}"
trap - EXIT
digest="$(tar -xOf "${archive}" index.json | jq -r '.manifests[0].digest')"
archive_mib=$((($(stat -c %s "${archive}") + 1048575) / 1048576))
jq -n --arg ref "${ref}" --arg digest "${digest}" --arg archive "${archive}" --arg base "${base}" \
  --argjson size "${size_bytes}" --argjson sizeMiB "${size_mib}" --argjson archiveMiB "${archive_mib}" \
  --argjson budgetMiB "${budget_mb}" --argjson buildSeconds "${build_s}" --arg key "${key}" '{
  ref: $ref, digest: $digest, archive: $archive, sizeBytes: $size, sizeMiB: $sizeMiB,
  archiveMiB: $archiveMiB, budgetMiB: $budgetMiB, base: $base, buildSeconds: $buildSeconds, key: $key
}' >"${meta}.tmp"

if ((size_mib > budget_mb)); then
  rm -f "${meta}.tmp" "${archive}"
  die "the image is ${size_mib} MiB unpacked, over its budget of ${budget_mb} MiB (hack/image/build.sh)"
fi
mv -f "${meta}.tmp" "${meta}"
# Older archives of this image go; the buildah storage keeps the layers for the next build.
find "${out}" -maxdepth 1 -name '*.oci.tar' ! -name "${key}.oci.tar" -delete
find "${out}" -maxdepth 1 -name '*.json' ! -name "${key}.json" -delete
# The storage keeps earlier builds' layers for --layers; past DIAGNOSE_BUILDAH_STORAGE_MAX_GB the
# unnamed ones go (the bases and this image stay; the next build redoes npm ci and apt-get).
used_gb=$(($(du -sk "${DIAGNOSE_BUILDAH_ROOT}" | cut -f1) / 1048576))
if ((used_gb >= ${DIAGNOSE_BUILDAH_STORAGE_MAX_GB:-8})); then
  bah rmi --prune >/dev/null 2>&1 || true
  log "buildah storage was ${used_gb} GiB: pruned the layers of earlier builds"
fi
log "built ${ref}@${digest} in ${build_s}s: ${size_mib} MiB unpacked (budget ${budget_mb} MiB), ${archive_mib} MiB archive ${archive}; base: ${base}"
echo "${meta}"
