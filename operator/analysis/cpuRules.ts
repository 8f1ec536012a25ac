import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type { CpuEvidence, CpuThrottleCounters } from "../report/evidence/cpuEvidence.js";

export const CPU_THRESHOLDS = {
  /** Throttled share of enforcement periods at or above which CpuThrottled is raised. */
  throttledRatio: 0.2,
  /** Fewer periods than this are too little evidence. */
  minPeriods: 5,
};

function ratioOf(c: CpuThrottleCounters): number {
  return c.nrPeriods > 0 ? c.nrThrottled / c.nrPeriods : 0;
}

function pct(r: number): string {
  return `${Math.round(r * 100)}%`;
}

export function analyzeCpu(data: CpuEvidence): Finding[] {
  const cg = data.cgroup;
  const total = cg.counters;
  const win = data.window?.counters;
  const totalHit =
    total.nrPeriods >= CPU_THRESHOLDS.minPeriods && ratioOf(total) >= CPU_THRESHOLDS.throttledRatio;
  const winHit =
    win !== undefined &&
    win.nrPeriods >= CPU_THRESHOLDS.minPeriods &&
    ratioOf(win) >= CPU_THRESHOLDS.throttledRatio;
  if (!totalHit && !winHit) return [];
  const quota =
    cg.quotaUsec !== undefined
      ? `quota ${cg.limitCores} CPU (${cg.quotaUsec / 1000} ms per ${cg.periodUsec / 1000} ms period)`
      : "no quota on this cgroup (an ancestor's)";
  const now = winHit
    ? `; ${pct(ratioOf(win!))} of periods in the last ${data.window!.seconds} s`
    : "";
  const suggested = cg.limitCores !== undefined ? Math.max(1, Math.ceil(cg.limitCores * 4)) : 1;
  return [
    {
      check: "cpu",
      severity: "Warning",
      code: "CpuThrottled",
      summary: `CPU throttled in ${total.nrThrottled} of ${total.nrPeriods} periods (${pct(ratioOf(total))}), ${(total.throttledUsec / 1e6).toFixed(1)} s throttled in total, ${quota}${now}`,
      evidence: {
        quotaUsec: cg.quotaUsec,
        periodUsec: cg.periodUsec,
        limitCores: cg.limitCores,
        nrPeriods: total.nrPeriods,
        nrThrottled: total.nrThrottled,
        throttledRatio: Math.round(ratioOf(total) * 1000) / 1000,
        throttledSeconds: Math.round(total.throttledUsec / 1e3) / 1e3,
        usageSeconds:
          total.usageUsec === undefined ? undefined : Math.round(total.usageUsec / 1e3) / 1e3,
        window: data.window,
      },
      remediation: `The CPU limit stalls the process (a JVM's JIT and class loading are CPU-bound at startup): raise limits.cpu to at least ${suggested} CPU or remove it, keeping requests for scheduling.`,
    },
  ];
}
