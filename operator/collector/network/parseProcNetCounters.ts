import type { CounterTable } from "../../report/evidence/networkEvidence.js";

/**
 * Parses the header/value line pairs of `/proc/<pid>/net/snmp` and `/proc/<pid>/net/netstat`
 * ("Tcp: RetransSegs ..." then "Tcp: 4 ..."). Both files share the format.
 */
export function parseProcNetCounters(text: string): CounterTable {
  const table: CounterTable = {};
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const head = lines[i]!.split(/\s+/);
    const vals = lines[i + 1]!.split(/\s+/);
    const section = head[0]?.replace(/:$/, "");
    if (!section || vals[0] !== head[0]) throw new Error(`unpaired counter line: ${lines[i]}`);
    const row: Record<string, number> = table[section] ?? {};
    for (let k = 1; k < head.length; k++) {
      const n = Number(vals[k]);
      if (head[k] && Number.isFinite(n)) row[head[k]!] = n;
    }
    table[section] = row;
  }
  return table;
}

export const parseProcNetSnmp = parseProcNetCounters;
export const parseProcNetNetstat = parseProcNetCounters;

/** Merges snmp and netstat tables (distinct sections: Ip/Tcp/Udp vs TcpExt/IpExt). */
export function mergeCounterTables(...tables: CounterTable[]): CounterTable {
  const out: CounterTable = {};
  for (const t of tables) for (const [s, row] of Object.entries(t)) out[s] = { ...out[s], ...row };
  return out;
}
