import type { ConntrackCpuStats } from "../../report/evidence/networkEvidence.js";

/** Parses `conntrack -S`: one "cpu=N key=value ..." line per CPU. */
export function parseConntrackStats(text: string): ConntrackCpuStats[] {
  const out: ConntrackCpuStats[] = [];
  for (const line of text.split("\n")) {
    const pairs = [...line.matchAll(/(\w+)=(\d+)/g)];
    const cpuPair = pairs.find((p) => p[1] === "cpu");
    if (!cpuPair) continue;
    const counters: Record<string, number> = {};
    for (const [, k, v] of pairs) if (k !== "cpu") counters[k!] = Number(v);
    out.push({ cpu: Number(cpuPair[2]), counters });
  }
  return out;
}

/**
 * Parses `/proc/<pid>/net/stat/nf_conntrack` (hex columns, one row per possible CPU), the
 * no-tool fallback. "entries" is the namespace's conntrack count, repeated on every row.
 */
export function parseProcNetStatConntrack(text: string): {
  count?: number;
  perCpu: ConntrackCpuStats[];
} {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  const perCpu: ConntrackCpuStats[] = [];
  let count: number | undefined;
  lines.slice(1).forEach((line, cpu) => {
    const vals = line.trim().split(/\s+/);
    const counters: Record<string, number> = {};
    header.forEach((name, i) => {
      const v = Number.parseInt(vals[i] ?? "", 16);
      if (Number.isFinite(v)) counters[name] = v;
    });
    if (counters.entries !== undefined) count = counters.entries;
    delete counters.entries;
    perCpu.push({ cpu, counters });
  });
  return count === undefined ? { perCpu } : { count, perCpu };
}

/** Parses `conntrack -C` or a sysctl file: a single integer. */
export function parseSingleInteger(text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n)) throw new Error(`expected an integer, got "${text.trim()}"`);
  return n;
}
