/**
 * "key value" lines as in cgroup memory.stat, cpu.stat, memory.events and memory.oom_control.
 * Non-numeric values are skipped; values beyond 2^53 (v1's "unlimited") are kept approximately.
 */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(-?\d+)$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
