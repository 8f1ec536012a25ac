#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real: kernel networking tools for the
# packet-loss scenarios, perf for profiles, a JDK for the OOM scenarios, openssl for the
# local control plane's certificates, GNU time for the benchmarks' peak RSS, containerd, runc and
# the CNI plugins for the single-node e2e cluster, buildah and mmdebstrap to build the container
# image without a Docker engine (hack/image/), chromium for the report page's browser tests
# (driven headless by playwright-core; never a browser download), and what builds and boots the
# guest suite's guest (QEMU, mmdebstrap, busybox for its initrd, e2fsprogs for mkfs.ext4 -d, kmod
# for depmod/modprobe on the guest's kernel). Idempotent: only missing packages are installed.
set -euo pipefail

packages=(
  iproute2 iptables nftables conntrack ethtool procps util-linux psmisc
  linux-perf hping3 openssl curl ca-certificates openjdk-17-jdk-headless
  containerd runc containernetworking-plugins jq binutils
  libxml2-utils time buildah mmdebstrap chromium
  qemu-system-x86 busybox-static e2fsprogs kmod
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "system packages: all present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "missing system packages (need root to install): ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Other sessions on a shared machine may hold the dpkg lock for a while: wait for it.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
