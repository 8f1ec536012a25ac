#!/usr/bin/env bash
# Baseline for the memory check: what a person types on the node for an exit-137 container
# (S1 in README.md): the cgroup's memory files, then the kernel log's OOM lines.
# Usage: memory.sh <memory cgroup dir>
set -u
cg=$1
cd "$cg" || exit 1
cat memory.usage_in_bytes memory.max_usage_in_bytes memory.limit_in_bytes memory.failcnt
cat memory.stat
cat memory.oom_control
dmesg | grep -iE -A 30 'invoked oom-killer|killed as a result of limit|out of memory' | tail -n 200
