import type { CpuCgroupSnapshot } from "../../report/evidence/cpuEvidence.js";
import type { CgroupFiles } from "../memory/parseCgroupMemory.js";
import { parseFlatKeyed } from "../parseFlatKeyed.js";

export const V1_CPU_FILES = ["cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.stat", "cpu.shares"];
/** v1 cpuacct lives in its own hierarchy on some hosts; read separately. */
export const V1_CPUACCT_FILES = ["cpuacct.usage"];
export const V2_CPU_FILES = ["cpu.max", "cpu.stat", "cpu.weight"];

function int(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : undefined;
}

export function parseCgroupV1Cpu(path: string, files: CgroupFiles): CpuCgroupSnapshot {
  const quota = int(files["cpu.cfs_quota_us"]);
  const period = int(files["cpu.cfs_period_us"]) ?? 100_000;
  const stat = parseFlatKeyed(files["cpu.stat"] ?? "");
  const usageNs = int(files["cpuacct.usage"]);
  const hasQuota = quota !== undefined && quota > 0;
  return {
    cgroupVersion: 1,
    path,
    quotaUsec: hasQuota ? quota : undefined,
    periodUsec: period,
    limitCores: hasQuota ? quota / period : undefined,
    shares: int(files["cpu.shares"]),
    counters: {
      nrPeriods: stat.nr_periods ?? 0,
      nrThrottled: stat.nr_throttled ?? 0,
      // v1 throttled_time is in nanoseconds.
      throttledUsec: Math.round((stat.throttled_time ?? 0) / 1000),
      usageUsec: usageNs === undefined ? undefined : Math.round(usageNs / 1000),
    },
  };
}

export function parseCgroupV2Cpu(path: string, files: CgroupFiles): CpuCgroupSnapshot {
  // cpu.max: "$MAX $PERIOD", MAX being "max" for no limit.
  const [maxText, periodText] = (files["cpu.max"] ?? "max 100000").trim().split(/\s+/);
  const period = int(periodText) ?? 100_000;
  const quota = maxText === "max" ? undefined : int(maxText);
  const stat = parseFlatKeyed(files["cpu.stat"] ?? "");
  return {
    cgroupVersion: 2,
    path,
    quotaUsec: quota,
    periodUsec: period,
    limitCores: quota === undefined ? undefined : quota / period,
    weight: int(files["cpu.weight"]),
    counters: {
      nrPeriods: stat.nr_periods ?? 0,
      nrThrottled: stat.nr_throttled ?? 0,
      throttledUsec: stat.throttled_usec ?? 0,
      usageUsec: stat.usage_usec,
    },
  };
}

/** Counter deltas between two snapshots of the same cgroup. */
export function diffCounters(
  before: CpuCgroupSnapshot["counters"],
  after: CpuCgroupSnapshot["counters"],
): CpuCgroupSnapshot["counters"] {
  return {
    nrPeriods: after.nrPeriods - before.nrPeriods,
    nrThrottled: after.nrThrottled - before.nrThrottled,
    throttledUsec: after.throttledUsec - before.throttledUsec,
    usageUsec:
      after.usageUsec !== undefined && before.usageUsec !== undefined
        ? after.usageUsec - before.usageUsec
        : undefined,
  };
}
