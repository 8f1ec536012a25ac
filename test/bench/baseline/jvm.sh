#!/usr/bin/env bash
# Baseline for the jvm check (S1 in README.md): the JVM's command line, its heap and GC from the
# perf counters (jstat), and the heap the JVM sizes by default inside the container's cgroups
# (`java -XX:+PrintFlagsFinal -version`, run in the target's memory and cpu cgroups).
# Usage: jvm.sh <pid> <memory cgroup dir> <cpu cgroup dir>
set -u
pid=$1 memcg=$2 cpucg=$3
tr '\0' ' ' <"/proc/$pid/cmdline"
echo
jstat -gc "$pid"
bash -c 'echo $$ > "$1/cgroup.procs" && echo $$ > "$2/cgroup.procs" && exec java -XX:+PrintFlagsFinal -version' \
  sh "$memcg" "$cpucg" 2>&1 |
  grep -E 'InitialHeapSize|MaxHeapSize|MaxRAMPercentage|UseContainerSupport|openjdk version'
