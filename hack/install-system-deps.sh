#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real: kernel networking tools for the
# packet-loss scenarios, perf for profiles, a JDK for the OOM scenarios, openssl for the
# local control plane's certificates, GNU time for the benchmarks' peak RSS, containerd, runc and
# the CNI plugins for the single-node e2e cluster, buildah and mmdebstrap to build the container
# image without a Docker engine (hack/image/). Idempotent: only missing packages are installed.
set -euo pipefail

packages=(
  iproute2 iptables nftables conntrack ethtool procps util-linux psmisc
  linux-perf hping3 openssl curl ca-certificates openjdk-17-jdk-headless
  containerd runc containernetworking-plugins jq binutils
  libxml2-utils time buildah mmdebstrap
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
