#!/usr/bin/env bash
# Baseline for the softirq check (S3 in README.md): per-CPU softirq counters and the top CPU
# users (top's second iteration covers the sampling window; the first is since boot), the
# ksoftirqd threads, and the TCP SYN evidence (SYN cookies, listen overflows, half-open sockets).
# Usage: softirq.sh <sample seconds>
set -u
seconds=$1
cat /proc/softirqs
top -b -n 2 -d "$seconds" -w 200 | tail -n 40
cat /proc/softirqs
ps -eo pid,ppid,comm,pcpu --sort=-pcpu | grep -E 'ksoftirqd|PID'
netstat -s | grep -iE 'syn|listen|overflow|cookie'
ss -tan state syn-recv | wc -l
