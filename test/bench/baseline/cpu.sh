#!/usr/bin/env bash
# Baseline for the cpu check (S1 in README.md, the 0.1 CPU quota): quota and period, then the
# throttling counters and CPU usage twice, a sampling window apart.
# Usage: cpu.sh <cpu cgroup dir> <cpuacct cgroup dir> <sample seconds>
set -u
cpu=$1 acct=$2 seconds=$3
cat "$cpu/cpu.cfs_quota_us" "$cpu/cpu.cfs_period_us" "$cpu/cpu.shares"
cat "$cpu/cpu.stat" "$acct/cpuacct.usage"
sleep "$seconds"
cat "$cpu/cpu.stat" "$acct/cpuacct.usage"
