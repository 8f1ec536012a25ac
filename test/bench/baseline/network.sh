#!/usr/bin/env bash
# Baseline for the network check (S2 in README.md), inside the pod's network namespace (entered
# through its pid): interface counters and MTU, qdiscs, TCP/IP counters, conntrack, the filter
# rules with their counters; the counters twice, a sampling window apart.
# Usage: network.sh <pid> <sample seconds>
set -u
pid=$1 seconds=$2
in_pod() { nsenter -t "$pid" -n -- "$@"; }
snapshot() {
  in_pod ip -s -d link show
  in_pod netstat -i
  in_pod tc -s qdisc show
  in_pod netstat -s
  in_pod nstat -az
  in_pod iptables -t filter -nvL
}
snapshot
in_pod conntrack -S
in_pod cat /proc/sys/net/netfilter/nf_conntrack_count /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null
sleep "$seconds"
snapshot
