/** The fields of /proc/<pid>/stat this check uses (see proc(5)). */
export interface PidStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Ticks (USER_HZ) in user and kernel mode. */
  utime: number;
  stime: number;
  /** CPU last run on. */
  processor: number;
}

export function parsePidStat(text: string): PidStat {
  // comm may contain spaces and parentheses: it runs to the last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error("/proc/<pid>/stat: no (comm)");
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3] ?? Number.NaN);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? "?",
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    processor: field(39),
  };
}

/** Kernel threads are kthreadd (PID 2) and its children. */
export function isKernelThread(stat: PidStat): boolean {
  return stat.pid === 2 || stat.ppid === 2;
}
