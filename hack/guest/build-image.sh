#!/usr/bin/env bash
# Builds the Debian bookworm guest the guest scenario suite boots (npm run test:guest), into a
# cache folder outside the repo, and prints that folder on the last line of stdout:
#   ${DIAGNOSE_CACHE_DIR:-$HOME/.cache/diagnose-operator}/guest/<kernel package>_<version>-<recipe hash>/
#     vmlinuz      Debian's stock kernel (linux-image-amd64's dependency), never installed on the host
#     initrd.img   busybox + the virtio/ext4/9p modules, mounts /dev/vda and starts systemd
#     rootfs.ext4  mmdebstrap root (hack/guest/image/packages), made by mkfs.ext4 -d: no loop mount
# The key is the kernel package's version and a hash of this recipe (this script and
# hack/guest/image/*): a cached guest is reused until one of them changes. Older keys are removed.
# --force rebuilds. Needs root, network access to the Debian archive, and the host packages
# hack/install-system-deps.sh installs (mmdebstrap, busybox-static, e2fsprogs, kmod).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/log.sh
source "${here}/../lib/log.sh"
log_init guest-image

force=0
for arg in "$@"; do
  case "${arg}" in
  --force) force=1 ;;
  -h | --help)
    sed -n '2,11p' "${BASH_SOURCE[0]}"
    exit 0
    ;;
  *) die "unknown argument: ${arg}" ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "needs root (mmdebstrap, device nodes in the image)"
for tool in mmdebstrap mkfs.ext4 depmod modprobe busybox apt-get dpkg-deb; do
  command -v "${tool}" >/dev/null || die "${tool} is missing: run hack/install-system-deps.sh"
done

cache_root="${DIAGNOSE_CACHE_DIR:-${HOME}/.cache/diagnose-operator}/guest"
# linux-image-amd64 is a metapackage; the kernel is the package it depends on, at its version.
kernel_meta() { apt-cache show --no-all-versions linux-image-amd64 2>/dev/null || true; }
meta="$(kernel_meta)"
if [[ -z ${meta} ]]; then
  log "apt knows no linux-image-amd64: apt-get update"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  meta="$(kernel_meta)"
fi
kernel_pkg="$(sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\) (= \([^)]*\)).*/\1/p' <<<"${meta}")"
kernel_version="$(sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\) (= \([^)]*\)).*/\2/p' <<<"${meta}")"
[[ -n ${kernel_pkg} && -n ${kernel_version} ]] || die "cannot tell the kernel package from linux-image-amd64"
recipe_hash="$(cat "${BASH_SOURCE[0]}" "${here}"/image/* | sha256sum | cut -c1-12)"
key="${kernel_pkg}_${kernel_version}-${recipe_hash}"
out="${cache_root}/${key}"

if [[ ${force} -eq 0 && -f "${out}/complete" ]]; then
  log "cached: ${out}"
  echo "${out}"
  exit 0
fi

mkdir -p "${cache_root}"
work="$(mktemp -d "${cache_root}/.build-XXXXXX")"
trap 'rm -rf "${work}"' EXIT
log "building ${key} in ${work}"

# 1. The kernel, extracted from its package: not installed on the host.
log "kernel: apt-get download ${kernel_pkg}=${kernel_version}"
(cd "${work}" && apt-get download -q "${kernel_pkg}=${kernel_version}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
deb="$(ls "${work}"/"${kernel_pkg}"_*.deb 2>/dev/null | head -n1)"
[[ -f ${deb} ]] || die "apt-get download ${kernel_pkg} produced no .deb"
dpkg-deb -x "${deb}" "${work}/kernel"
rm -f "${deb}"
kver="$(ls "${work}/kernel/lib/modules")"
[[ -f "${work}/kernel/boot/vmlinuz-${kver}" ]] || die "no vmlinuz-${kver} in ${kernel_pkg}"
depmod -b "${work}/kernel" "${kver}"

# 2. The root file system: systemd, the collector's commands, the scenario tools, a JRE.
mapfile -t packages < <(grep -v '^\s*#' "${here}/image/packages" | grep -v '^\s*$')
log "rootfs: mmdebstrap bookworm (${#packages[@]} packages and their dependencies)"
root="${work}/root"
# (Man pages stay: openjdk's postinst links one through update-alternatives.)
if ! mmdebstrap --mode=unshare --variant=minbase \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --include="$(
    IFS=,
    echo "${packages[*]}"
  )" \
  bookworm "${root}" >"${work}/mmdebstrap.log" 2>&1; then
  tail -n 40 "${work}/mmdebstrap.log" >&2
  die "mmdebstrap failed (the lines above are the end of its log)"
fi

# Kernel modules the guest may load (netfilter, qdiscs, veth, 9p, file systems...): not the
# hardware drivers it will never see.
log "rootfs: kernel ${kver} modules"
mods="lib/modules/${kver}"
mkdir -p "${root}/${mods}/kernel/drivers/net"
for d in arch block crypto fs lib mm net virt drivers/virtio drivers/block drivers/char; do
  [[ -d "${work}/kernel/${mods}/kernel/${d}" ]] || continue
  mkdir -p "${root}/${mods}/kernel/$(dirname "${d}")"
  cp -a "${work}/kernel/${mods}/kernel/${d}" "${root}/${mods}/kernel/${d}"
done
cp -a "${work}/kernel/${mods}"/kernel/drivers/net/*.ko "${root}/${mods}/kernel/drivers/net/"
cp -a "${work}/kernel/${mods}"/modules.{order,builtin,builtin.modinfo} "${root}/${mods}/"
depmod -b "${root}" "${kver}"

# No udev, no login: a oneshot unit runs the suite and powers the guest off.
log "rootfs: systemd units"
install -m 0755 "${here}/image/dgn-guest-run" "${root}/usr/local/sbin/dgn-guest-run"
install -m 0644 "${here}/image/dgn-guest-suite.service" "${root}/etc/systemd/system/"
mkdir -p "${root}/etc/systemd/system/multi-user.target.wants"
ln -sf ../dgn-guest-suite.service "${root}/etc/systemd/system/multi-user.target.wants/"
for unit in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer fstrim.timer systemd-timesyncd.service; do
  ln -sf /dev/null "${root}/etc/systemd/system/${unit}"
done
echo dgn-guest >"${root}/etc/hostname"
# A fixed machine id: no first-boot setup. No generators: nothing they make is used here.
echo 6467e75e57a7b6c1d0e2f3a4b5c6d7e8 >"${root}/etc/machine-id"
mkdir -p "${root}/etc/systemd/system-generators"
for gen in "${root}"/lib/systemd/system-generators/*; do
  ln -sf /dev/null "${root}/etc/systemd/system-generators/$(basename "${gen}")"
done
rm -rf "${root}"/var/cache/apt/* "${root}"/var/lib/apt/lists/*

# 3. The initramfs: busybox and the modules that reach the root disk, in dependency order.
log "initrd: busybox + virtio/ext4/9p modules"
initrd="${work}/initrd"
mkdir -p "${initrd}"/{bin,dev,proc,sys,newroot,modules}
cp "$(command -v busybox)" "${initrd}/bin/busybox"
for applet in sh mount umount insmod sleep switch_root echo; do
  ln -s busybox "${initrd}/bin/${applet}"
done
install -m 0755 "${here}/image/initrd-init" "${initrd}/init"
for m in virtio_pci virtio_blk ext4 9pnet_virtio 9p; do
  modprobe -d "${work}/kernel" -S "${kver}" --show-depends "${m}"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
  cp "${ko}" "${initrd}/modules/"
  basename "${ko}" >>"${initrd}/modules/order"
done
(cd "${initrd}" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"${work}/initrd.img"

# 4. The disk image, without a loop mount: room for the scenarios' writes on top of the files.
used_mib="$(du -sm "${root}" | cut -f1)"
size_mib=$((used_mib + used_mib / 4 + 512))
log "rootfs.ext4: mkfs.ext4 -d (${used_mib} MiB of files, ${size_mib} MiB image)"
mkfs.ext4 -q -F -L dgnroot -E root_owner=0:0 -d "${root}" "${work}/rootfs.ext4" "${size_mib}M"
cp "${work}/kernel/boot/vmlinuz-${kver}" "${work}/vmlinuz"
printf 'kernel_package=%s\nkernel_version=%s\nkernel_release=%s\nrecipe=%s\nbuilt=%s\n' \
  "${kernel_pkg}" "${kernel_version}" "${kver}" "${recipe_hash}" "$(date -u +%FT%TZ)" >"${work}/info"

rm -rf "${out}"
mkdir -p "${out}"
mv "${work}/vmlinuz" "${work}/initrd.img" "${work}/rootfs.ext4" "${work}/info" "${out}/"
touch "${out}/complete"
# Only the current key is kept: a guest is about 1 GiB.
for old in "${cache_root}"/*/; do
  [[ "${old%/}" == "${out}" ]] || rm -rf "${old}"
done
log "done: ${out}"
echo "${out}"
