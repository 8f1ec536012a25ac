import type { LinkCounters } from "../../report/evidence/networkEvidence.js";

export interface ProcNetDevEntry {
  name: string;
  rx: LinkCounters;
  tx: LinkCounters;
}

/**
 * Parses `/proc/<pid>/net/dev` (the process' netns): the fallback for interface counters when
 * `ip` is missing. RX fifo maps to overruns (netstat -i RX-OVR), TX carrier to overruns.
 */
export function parseProcNetDev(text: string): ProcNetDevEntry[] {
  const entries: ProcNetDevEntry[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.includes("|")) continue;
    const name = line.slice(0, colon).trim();
    const v = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (v.length < 16 || v.some((n) => !Number.isFinite(n))) continue;
    const at = (i: number) => v[i] ?? 0;
    entries.push({
      name,
      rx: { bytes: at(0), packets: at(1), errors: at(2), dropped: at(3), overruns: at(4) },
      tx: { bytes: at(8), packets: at(9), errors: at(10), dropped: at(11), overruns: at(14) },
    });
  }
  return entries;
}
