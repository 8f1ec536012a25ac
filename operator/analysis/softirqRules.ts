import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type { CpuSoftirqShare, SoftirqEvidence } from "../report/evidence/softirqEvidence.js";

/** Thresholds in percent of one CPU, and SYN rates per second. */
export const SOFTIRQ_THRESHOLDS = {
  /** si + hi share of a CPU. S3 saw ~33% si on both CPUs. */
  softirqWarnPercent: 20,
  softirqCriticalPercent: 50,
  kernelThreadWarnPercent: 5,
  kernelThreadCriticalPercent: 50,
  /** Cookies are only sent when a listener's SYN queue is full. */
  syncookiesPerSecondWarn: 10,
  syncookiesPerSecondCritical: 100,
  /** Half-open sockets on one port worth a finding even without cookies or drops. */
  halfOpenWarn: 128,
};

/** Findings for softirq load, busy kernel threads and SYN floods. Pure. */
export function analyzeSoftirq(data: SoftirqEvidence, t = SOFTIRQ_THRESHOLDS): Finding[] {
  return [...softirqHigh(data, t), ...kernelThreadCpuHigh(data, t), ...synFlood(data, t)];
}

/** The softirq type raised most often over the interval on the given CPUs. */
export function dominantSoftirq(
  cpus: readonly CpuSoftirqShare[],
): { type: string; perSecond: number } | undefined {
  const totals = new Map<string, number>();
  for (const c of cpus) {
    for (const [type, r] of Object.entries(c.softirqRates))
      totals.set(type, (totals.get(type) ?? 0) + r);
  }
  let best: { type: string; perSecond: number } | undefined;
  for (const [type, perSecond] of totals)
    if (!best || perSecond > best.perSecond) best = { type, perSecond };
  return best && best.perSecond > 0
    ? { type: best.type, perSecond: Math.round(best.perSecond) }
    : undefined;
}

function softirqHigh(data: SoftirqEvidence, t: typeof SOFTIRQ_THRESHOLDS): Finding[] {
  const hot = data.cpus.filter((c) => c.siPercent + c.hiPercent >= t.softirqWarnPercent);
  if (hot.length === 0) return [];
  const worst = Math.max(...hot.map((c) => c.siPercent + c.hiPercent));
  const dominant = dominantSoftirq(hot);
  const perCpu = hot.map((c) => `${c.cpu} ${c.siPercent}% si, ${c.hiPercent}% hi`).join("; ");
  return [
    {
      check: "softirq",
      severity: worst >= t.softirqCriticalPercent ? "Critical" : "Warning",
      code: "SoftirqHigh",
      summary:
        `Interrupt handling takes ${fmt(worst)}% of a CPU (${perCpu})` +
        (dominant ? `; dominant softirq ${dominant.type} at ${dominant.perSecond}/s` : ""),
      evidence: {
        dominantSoftirq: dominant?.type,
        dominantPerSecond: dominant?.perSecond,
        cpus: hot.map((c) => ({ cpu: c.cpu, siPercent: c.siPercent, hiPercent: c.hiPercent })),
        softirqRatesPerSecond: data.total.softirqRates,
        intervalSeconds: data.intervalSeconds,
      },
      remediation: remediationFor(dominant?.type),
      source: "Collector",
    },
  ];
}

function remediationFor(type: string | undefined): string {
  switch (type) {
    case "NET_RX":
    case "NET_TX":
      return "Find the traffic: per-interface rates (ip -s link), SYN evidence below, a profile of ksoftirqd (profile check with kernelThread: ksoftirqd). Spread receive work with RSS/RPS (rps_cpus) and interrupt affinity, rate-limit or filter the source upstream.";
    case "BLOCK":
      return "Disk completions dominate: check the I/O load (iostat -x) and the device's interrupt affinity.";
    case "TIMER":
    case "HRTIMER":
      return "Timers dominate: look for processes with very short sleeps or timers (perf top, a profile of the node).";
    default:
      return "Profile the node (profile check) to see which kernel path the softirq time goes to.";
  }
}

function kernelThreadCpuHigh(data: SoftirqEvidence, t: typeof SOFTIRQ_THRESHOLDS): Finding[] {
  const busy = data.kernelThreads.filter((k) => k.cpuPercent >= t.kernelThreadWarnPercent);
  if (busy.length === 0) return [];
  const worst = Math.max(...busy.map((k) => k.cpuPercent));
  const names = busy
    .slice(0, 5)
    .map((k) => `${k.comm} (pid ${k.pid}) ${fmt(k.cpuPercent)}%`)
    .join(", ");
  const softirqThreads = busy.some((k) => k.comm.startsWith("ksoftirqd/"));
  return [
    {
      check: "softirq",
      severity: worst >= t.kernelThreadCriticalPercent ? "Critical" : "Warning",
      code: "KernelThreadCpuHigh",
      summary: `Kernel threads burn CPU: ${names}`,
      evidence: { threads: busy, intervalSeconds: data.intervalSeconds },
      remediation: softirqThreads
        ? "ksoftirqd runs softirqs deferred under load: see the softirq rates and SYN evidence, and profile it (profile check, kernelThread: ksoftirqd) to see the kernel path; /proc/<pid>/stack only shows it parked."
        : "Kernel threads cannot be traced with pstack: profile them (profile check with kernelThread set to the name prefix) to see which kernel path they run.",
      source: "Collector",
    },
  ];
}

function synFlood(data: SoftirqEvidence, t: typeof SOFTIRQ_THRESHOLDS): Finding[] {
  const findings: Finding[] = [];
  for (const ns of data.synEvidence) {
    const cookies = ns.perSecond.syncookiesSent;
    const drops = ns.delta.listenDrops + ns.delta.listenOverflows + ns.delta.reqQFullDrop;
    const port = ns.halfOpen.find((p) => p.synRecv > 0);
    const manyHalfOpen = (port?.synRecv ?? 0) >= t.halfOpenWarn;
    if (cookies < t.syncookiesPerSecondWarn && drops === 0 && !manyHalfOpen) continue;
    const critical = cookies >= t.syncookiesPerSecondCritical || drops > 0;
    const where =
      ns.source === "node"
        ? "on the node"
        : `in the network namespace of ${ns.source.replace(":", " ")}`;
    const parts = [
      cookies > 0 ? `${fmt(cookies)} SYN cookies/s sent` : undefined,
      drops > 0 ? `${drops} listen drops/overflows` : undefined,
      port ? `${port.synRecv} half-open (SYN_RECV) sockets on port ${port.port}` : undefined,
    ].filter((s) => s !== undefined);
    findings.push({
      check: "softirq",
      severity: critical ? "Critical" : "Warning",
      code: "SynFlood",
      summary: `SYN flood ${where}: ${parts.join(", ")}`,
      evidence: {
        source: ns.source,
        netnsInode: ns.netnsInode,
        port: port?.port,
        perSecond: ns.perSecond,
        delta: ns.delta,
        halfOpen: ns.halfOpen,
        intervalSeconds: data.intervalSeconds,
      },
      remediation:
        "Keep net.ipv4.tcp_syncookies=1 so the listener keeps answering, raise the listen backlog (somaxconn, tcp_max_syn_backlog, the application's backlog), and filter or rate-limit the sources upstream (a SYN rate limit in iptables/nftables, the cloud load balancer's SYN protection).",
      source: "Collector",
    });
  }
  return findings;
}

function fmt(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}
