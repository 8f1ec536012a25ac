/** Raw evidence of the cpu check (the `checks.cpu.data` of a report). */
export interface CpuThrottleCounters {
  /** CFS enforcement periods that had runnable tasks. */
  nrPeriods: number;
  /** Periods in which the cgroup ran out of quota. */
  nrThrottled: number;
  /** Total time tasks waited throttled, in microseconds. */
  throttledUsec: number;
  /** CPU time used, in microseconds (v2 cpu.stat usage_usec, v1 cpuacct.usage). */
  usageUsec?: number;
}

export interface CpuCgroupSnapshot {
  cgroupVersion: 1 | 2;
  path: string;
  /** undefined = no quota. */
  quotaUsec?: number;
  periodUsec: number;
  /** quota / period: the CPU limit in cores. */
  limitCores?: number;
  /** v1 cpu.shares or v2 cpu.weight, for context. */
  shares?: number;
  weight?: number;
  counters: CpuThrottleCounters;
}

export interface CpuEvidence {
  cgroup: CpuCgroupSnapshot;
  /** Counters over the sampling window, when --sample-seconds > 0. */
  window?: { seconds: number; counters: CpuThrottleCounters };
}
