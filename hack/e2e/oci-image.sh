#!/usr/bin/env bash
# Packs a root filesystem folder into an OCI image archive that `ctr images import` reads:
#   oci-layout, index.json, blobs/sha256/{layer (uncompressed tar), config, manifest}.
# Usage: oci-image.sh ROOTFS REF OUT.tar CONFIG_JSON
#   REF          full image name, e.g. diagnose.local/pause:e2e
#   CONFIG_JSON  the image config's "config" object, e.g. '{"Entrypoint":["/pause"]}'
# One uncompressed layer: containerd stores and unpacks it as is, no gzip time on 2 cores.
# The layer is reproducible (sorted names, mtime 0, numeric root owner).
set -euo pipefail

if [[ $# -ne 4 ]]; then
  sed -n '2,8p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
rootfs="$1" ref="$2" out="$3" config="$4"
command -v jq >/dev/null || {
  echo "oci-image: jq is not installed" >&2
  exit 1
}

work="$(mktemp -d "${out}.work.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
blobs="${work}/blobs/sha256"
mkdir -p "${blobs}"

# add_blob FILE: move FILE into blobs/ under its digest; prints "<hex> <size>".
add_blob() {
  local hex size
  hex="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  mv "$1" "${blobs}/${hex}"
  echo "${hex} ${size}"
}

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --xattrs \
  -C "${rootfs}" -cf "${work}/layer" .
read -r layer_hex layer_size < <(add_blob "${work}/layer")

jq -n --argjson cfg "${config}" --arg diff "sha256:${layer_hex}" '{
  architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
  config: $cfg, rootfs: { type: "layers", diff_ids: [$diff] },
  history: [{ created: "1970-01-01T00:00:00Z", created_by: "hack/e2e/oci-image.sh" }]
}' >"${work}/config"
read -r config_hex config_size < <(add_blob "${work}/config")

jq -n --arg c "sha256:${config_hex}" --argjson cs "${config_size}" \
  --arg l "sha256:${layer_hex}" --argjson ls "${layer_size}" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs },
  layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls }]
}' >"${work}/manifest"
read -r manifest_hex manifest_size < <(add_blob "${work}/manifest")

jq -n --arg m "sha256:${manifest_hex}" --argjson ms "${manifest_size}" --arg ref "${ref}" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{
    mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
    platform: { architecture: "amd64", os: "linux" },
    annotations: { "io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": ($ref | sub(".*:"; "")) }
  }]
}' >"${work}/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"${work}/oci-layout"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "${work}" \
  -cf "${out}.tmp" oci-layout index.json blobs
mv -f "${out}.tmp" "${out}"
echo "oci-image: ${ref} -> ${out} ($((layer_size / 1048576)) MiB layer)" >&2
