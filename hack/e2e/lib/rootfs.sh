#!/usr/bin/env bash
# Assembles a container root filesystem from this host's own files (sourced, not run):
# a binary plus every shared library ldd names for it, with the symlink chains that lead there.
# Debian 12 is merged-/usr, so the rootfs gets bin/sbin/lib/lib64 -> usr/* links and every file
# is copied under its canonical /usr path.

# rootfs_init DIR: the merged-/usr skeleton and the mount points runc expects.
rootfs_init() {
  local root="$1"
  mkdir -p "${root}"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,tmp,proc,sys,dev,run,var/tmp,root}
  chmod 1777 "${root}/tmp" "${root}/var/tmp"
  local d
  for d in bin sbin lib lib64; do
    [[ -e "${root}/${d}" ]] || ln -s "usr/${d}" "${root}/${d}"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/tmp:/bin/sh\n' >"${root}/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"${root}/etc/group"
  printf 'hosts: files\n' >"${root}/etc/nsswitch.conf"
}

# rootfs_canonical PATH: PATH with its directory resolved (the file itself may be a symlink).
rootfs_canonical() {
  local p="$1"
  echo "$(realpath "$(dirname "${p}")")/$(basename "${p}")"
}

# rootfs_add ROOT PATH...: copy each host PATH (file, symlink or ELF with its libraries).
rootfs_add() {
  local root="$1"
  shift
  local p
  for p in "$@"; do
    _rootfs_add_one "${root}" "${p}"
  done
}

_rootfs_add_one() {
  local root="$1" p
  p="$(rootfs_canonical "$2")"
  if [[ -e "${root}${p}" || -L "${root}${p}" ]]; then
    return 0
  fi
  if [[ -L "${p}" ]]; then
    local target
    target="$(readlink "${p}")"
    mkdir -p "${root}$(dirname "${p}")"
    ln -s "${target}" "${root}${p}"
    if [[ "${target}" != /* ]]; then target="$(dirname "${p}")/${target}"; fi
    _rootfs_add_one "${root}" "${target}"
    return 0
  fi
  if [[ -d "${p}" ]]; then
    mkdir -p "${root}$(dirname "${p}")"
    cp -a "${p}" "${root}${p}"
    return 0
  fi
  if [[ ! -f "${p}" ]]; then
    echo "rootfs: ${p} does not exist on this host" >&2
    return 1
  fi
  mkdir -p "${root}$(dirname "${p}")"
  cp -a "${p}" "${root}${p}"
  _rootfs_add_libs "${root}" "${p}"
}

# _rootfs_add_libs ROOT FILE: the libraries ldd resolves for FILE (none for scripts or static).
_rootfs_add_libs() {
  local root="$1" f="$2" lib
  # ELF magic: 0x7f 'E' 'L' 'F'.
  [[ "$(head -c 4 "${f}" | od -An -c | tr -d ' ')" == '177ELF' ]] || return 0
  while read -r lib; do
    # Libraries found next to a file already in ROOT ($ORIGIN paths) are there already.
    [[ -z "${lib}" || "${lib}" == "${root}"/* ]] && continue
    _rootfs_add_one "${root}" "${lib}"
  done < <(ldd "${f}" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }')
}

# rootfs_add_tree_libs ROOT DIR: the libraries every ELF file under DIR (already in ROOT) needs.
rootfs_add_tree_libs() {
  local root="$1" dir="$2" f
  while IFS= read -r -d '' f; do
    _rootfs_add_libs "${root}" "${f}"
  done < <(find "${dir}" -type f \( -name '*.so*' -o -perm -u+x \) -print0)
}
