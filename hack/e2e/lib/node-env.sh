#!/usr/bin/env bash
# Names of everything the e2e node makes (sourced by node-up.sh and node-down.sh, not run).

# node_env CLUSTER_DIR
# shellcheck disable=SC2034 # used by the scripts that source this
node_env() {
  NODE_DIR="$1/node"
  NODE_NAME="diagnose-e2e"
  NODE_BRIDGE="dgn-e2e0"
  NODE_POD_CIDR="10.244.0.0/24"
  NODE_GATEWAY="10.244.0.1"
  # The `kubernetes` Service's ClusterIP: first address of cluster-up's --service-cluster-ip-range.
  NODE_SERVICE_IP="10.0.0.1"
  NODE_NAT_CHAIN="DIAGNOSE-E2E"
  # Relative to each cgroup v1 hierarchy (the kubelet's cgroupRoot).
  NODE_CGROUP_ROOT="diagnose-e2e"
  NODE_CONTAINERD_SOCK="${NODE_DIR}/containerd/containerd.sock"
  NODE_CNI_BIN="/usr/lib/cni"
}
