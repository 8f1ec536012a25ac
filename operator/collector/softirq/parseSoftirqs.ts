/** /proc/softirqs: cumulative softirq counts per type and CPU since boot. */
export interface SoftirqCounts {
  /** Column headers in order, e.g. ["CPU0", "CPU1"]; offline CPUs may be missing. */
  cpus: string[];
  /** Per softirq type (HI, TIMER, NET_TX, NET_RX, ...), one count per entry of `cpus`. */
  counts: Record<string, number[]>;
}

export function parseSoftirqs(text: string): SoftirqCounts {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift();
  if (!header || !/^\s*CPU\d+/.test(header)) throw new Error("/proc/softirqs: missing CPU header");
  const cpus = header.trim().split(/\s+/);
  const counts: Record<string, number[]> = {};
  for (const line of lines) {
    const m = /^\s*([A-Z_]+):\s*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const values = (m[2] ?? "").trim().split(/\s+/).map(Number);
    counts[m[1]] = cpus.map((_, i) => values[i] ?? 0);
  }
  return { cpus, counts };
}
