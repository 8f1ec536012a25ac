/** CPU time in USER_HZ ticks, the columns of a `cpu` line of /proc/stat. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  /** Hardware interrupts: top's `hi`. */
  irq: number;
  /** Softirqs: top's `si`. */
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStatCpu {
  total: CpuTimes;
  /** Keyed by "cpu0", "cpu1", ... */
  perCpu: Record<string, CpuTimes>;
}

const FIELDS = [
  "user",
  "nice",
  "system",
  "idle",
  "iowait",
  "irq",
  "softirq",
  "steal",
  "guest",
  "guestNice",
] as const;

export function parseProcStatCpu(text: string): ProcStatCpu {
  let total: CpuTimes | undefined;
  const perCpu: Record<string, CpuTimes> = {};
  for (const line of text.split("\n")) {
    const m = /^(cpu\d*)\s+(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const values = (m[2] ?? "").trim().split(/\s+/).map(Number);
    const times = Object.fromEntries(
      FIELDS.map((f, i) => [f, values[i] ?? 0]),
    ) as unknown as CpuTimes;
    if (m[1] === "cpu") total = times;
    else perCpu[m[1]] = times;
  }
  if (!total) throw new Error("/proc/stat: no aggregate cpu line");
  return { total, perCpu };
}

/** Ticks spent, all columns but guest (already counted in user) summed. */
export function totalTicks(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
}
