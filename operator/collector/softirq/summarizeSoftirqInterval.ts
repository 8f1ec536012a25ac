import type { CounterTable } from "../../report/evidence/networkEvidence.js";
import type {
  NetnsSynEvidence,
  SoftirqEvidence,
  SynCounters,
} from "../../report/evidence/softirqEvidence.js";
import type { PidStat } from "./parsePidStat.js";
import { halfOpenByPort, type TcpSocketEntry } from "./parseProcNetTcp.js";
import { type CpuTimes, type ProcStatCpu, totalTicks } from "./parseProcStat.js";
import type { SoftirqCounts } from "./parseSoftirqs.js";

/** One reading of everything the softirq check samples. */
export interface SoftirqSnapshot {
  /** Milliseconds, from the injected clock. */
  atMs: number;
  softirqs: SoftirqCounts;
  stat: ProcStatCpu;
  kernelThreads: PidStat[];
  netns: NetnsSnapshot[];
}

/** TCP counters and sockets of one network namespace. */
export interface NetnsSnapshot {
  /** "node", or "pid:<n>" when read through /proc/<n>/net. */
  source: string;
  /** The namespace's inode (from the ns/net link), to tell namespaces apart. */
  netnsInode?: string;
  /** /proc/net/netstat and /proc/net/snmp merged (parseProcNetCounters): TcpExt, Tcp, ... */
  counters: CounterTable;
  /** /proc/net/tcp and tcp6 entries. */
  sockets: TcpSocketEntry[];
}

/** USER_HZ: fixed at 100 on every Linux ABI the collector runs on. */
const USER_HZ = 100;
const TOP_THREADS = 15;
const TOP_PORTS = 10;

export function summarizeSoftirqInterval(
  before: SoftirqSnapshot,
  after: SoftirqSnapshot,
  ticksPerSecond = USER_HZ,
): SoftirqEvidence {
  const seconds = Math.max((after.atMs - before.atMs) / 1000, 1e-3);
  const cpus = after.softirqs.cpus.map((header, i) => {
    const key = header.toLowerCase();
    const b = before.stat.perCpu[key];
    const a = after.stat.perCpu[key];
    const rates: Record<string, number> = {};
    for (const [type, counts] of Object.entries(after.softirqs.counts)) {
      const prev = before.softirqs.counts[type]?.[i] ?? 0;
      rates[type] = round(((counts[i] ?? 0) - prev) / seconds);
    }
    return { cpu: key, ...shares(b, a), softirqRates: rates };
  });
  const totalRates: Record<string, number> = {};
  for (const c of cpus) {
    for (const [type, r] of Object.entries(c.softirqRates))
      totalRates[type] = round((totalRates[type] ?? 0) + r);
  }
  const total = {
    cpu: "all",
    ...shares(before.stat.total, after.stat.total),
    softirqRates: totalRates,
  };

  const prevThreads = new Map(before.kernelThreads.map((t) => [t.pid, t]));
  const kernelThreads = after.kernelThreads
    .flatMap((t) => {
      const p = prevThreads.get(t.pid);
      if (!p) return [];
      const ticks = t.utime + t.stime - (p.utime + p.stime);
      if (ticks <= 0) return [];
      const cpuPercent = round((ticks / ticksPerSecond / seconds) * 100);
      return [{ pid: t.pid, comm: t.comm, state: t.state, cpuPercent, processor: t.processor }];
    })
    .sort((x, y) => y.cpuPercent - x.cpuPercent || x.pid - y.pid)
    .slice(0, TOP_THREADS);

  const prevNetns = new Map(before.netns.map((n) => [n.source, n]));
  const synEvidence = after.netns.map((n) => {
    const b = synCounters(prevNetns.get(n.source)?.counters ?? n.counters);
    const a = synCounters(n.counters);
    const delta = mapCounters(a, (k) => Math.max(0, a[k] - b[k]));
    const perSecond = mapCounters(delta, (k) => round(delta[k] / seconds));
    const evidence: NetnsSynEvidence = {
      source: n.source,
      delta,
      perSecond,
      halfOpen: halfOpenByPort(n.sockets).slice(0, TOP_PORTS),
    };
    if (n.netnsInode) evidence.netnsInode = n.netnsInode;
    return evidence;
  });

  return {
    intervalSeconds: round(seconds),
    cpus,
    total,
    kernelThreads,
    kernelThreadCount: after.kernelThreads.length,
    synEvidence,
  };
}

function shares(b: CpuTimes | undefined, a: CpuTimes | undefined) {
  if (!a || !b)
    return { siPercent: 0, hiPercent: 0, userPercent: 0, systemPercent: 0, idlePercent: 0 };
  const span = totalTicks(a) - totalTicks(b);
  const pct = (x: number) => (span > 0 ? round((x / span) * 100) : 0);
  return {
    siPercent: pct(a.softirq - b.softirq),
    hiPercent: pct(a.irq - b.irq),
    userPercent: pct(a.user + a.nice - b.user - b.nice),
    systemPercent: pct(a.system - b.system),
    idlePercent: pct(a.idle + a.iowait - b.idle - b.iowait),
  };
}

function synCounters(c: CounterTable): SynCounters {
  const ext = c.TcpExt ?? {};
  return {
    syncookiesSent: ext.SyncookiesSent ?? 0,
    syncookiesRecv: ext.SyncookiesRecv ?? 0,
    syncookiesFailed: ext.SyncookiesFailed ?? 0,
    listenOverflows: ext.ListenOverflows ?? 0,
    listenDrops: ext.ListenDrops ?? 0,
    reqQFullDoCookies: ext.TCPReqQFullDoCookies ?? 0,
    reqQFullDrop: ext.TCPReqQFullDrop ?? 0,
  };
}

function mapCounters(c: SynCounters, f: (k: keyof SynCounters) => number): SynCounters {
  const out = { ...c };
  for (const k of Object.keys(c) as (keyof SynCounters)[]) out[k] = f(k);
  return out;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
