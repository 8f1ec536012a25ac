/** Raw evidence of the softirq check (the `checks.softirq.data` of a report). */

export interface PortSynBacklog {
  port: number;
  /** Half-open connections (SYN_RECV) to this local port. */
  synRecv: number;
  listening: boolean;
}

export interface CpuSoftirqShare {
  cpu: string;
  /** Percent of the CPU's time in the interval. */
  siPercent: number;
  hiPercent: number;
  userPercent: number;
  systemPercent: number;
  idlePercent: number;
  /** Softirqs raised per second on this CPU, by type. */
  softirqRates: Record<string, number>;
}

export interface KernelThreadCpu {
  pid: number;
  comm: string;
  state: string;
  /** Percent of one CPU over the interval, as top shows it. */
  cpuPercent: number;
  processor: number;
}

/** TcpExt counters that tell a SYN flood, as increases over the interval. */
export interface SynCounters {
  syncookiesSent: number;
  syncookiesRecv: number;
  syncookiesFailed: number;
  listenOverflows: number;
  listenDrops: number;
  /** SYNs answered with a cookie because the request queue was full. */
  reqQFullDoCookies: number;
  /** SYNs dropped because the request queue was full and cookies were off. */
  reqQFullDrop: number;
}

export interface NetnsSynEvidence {
  source: string;
  netnsInode?: string;
  /** Increase over the interval. */
  delta: SynCounters;
  /** Per second over the interval. */
  perSecond: SynCounters;
  /** Half-open sockets per local port at the end of the interval, most first (top 10). */
  halfOpen: PortSynBacklog[];
}

export interface SoftirqEvidence {
  intervalSeconds: number;
  cpus: CpuSoftirqShare[];
  /** All CPUs together. */
  total: CpuSoftirqShare;
  /** Busiest first; only threads that used CPU in the interval (top 15). */
  kernelThreads: KernelThreadCpu[];
  kernelThreadCount: number;
  synEvidence: NetnsSynEvidence[];
}
