import {
  type CounterTable,
  type InterfaceInfo,
  type LinkCounters,
  type QdiscInfo,
  type QdiscStats,
  qdiscKey,
} from "../../report/evidence/networkEvidence.js";

/** Counters whose growth during the sample tells about loss and failing handshakes. */
export const TCP_COUNTERS_OF_INTEREST = [
  "Tcp.RetransSegs",
  "Tcp.OutSegs",
  "Tcp.InSegs",
  "Tcp.AttemptFails",
  "Tcp.EstabResets",
  "Tcp.InErrs",
  "Tcp.OutRsts",
  "Tcp.ActiveOpens",
  "Tcp.PassiveOpens",
  "TcpExt.TCPSynRetrans",
  "TcpExt.EmbryonicRsts",
  "TcpExt.TCPTimeouts",
  "TcpExt.ListenOverflows",
  "TcpExt.ListenDrops",
  "TcpExt.TCPLostRetransmit",
  "Ip.InDiscards",
  "Ip.OutDiscards",
] as const;

function lookup(table: CounterTable, key: string): number | undefined {
  const [section, name] = key.split(".");
  return table[section!]?.[name!];
}

/** Growth and per-second rate of the counters of interest between two snapshots. */
export function counterDeltas(
  before: CounterTable,
  after: CounterTable,
  seconds: number,
): { deltas: Record<string, number>; rates: Record<string, number> } {
  const deltas: Record<string, number> = {};
  const rates: Record<string, number> = {};
  for (const key of TCP_COUNTERS_OF_INTEREST) {
    const a = lookup(before, key);
    const b = lookup(after, key);
    if (a === undefined || b === undefined) continue;
    // Counters only grow; a smaller value means a reset, so count from zero.
    const d = b >= a ? b - a : b;
    deltas[key] = d;
    rates[key] = seconds > 0 ? Math.round((d / seconds) * 1000) / 1000 : 0;
  }
  return { deltas, rates };
}

function sub(a: LinkCounters, b: LinkCounters): LinkCounters {
  const d = (x: number, y: number) => Math.max(0, x - y);
  return {
    bytes: d(a.bytes, b.bytes),
    packets: d(a.packets, b.packets),
    errors: d(a.errors, b.errors),
    dropped: d(a.dropped, b.dropped),
    overruns: d(a.overruns, b.overruns),
  };
}

export function interfaceDeltas(
  before: readonly InterfaceInfo[],
  after: readonly InterfaceInfo[],
): Record<string, { rx: LinkCounters; tx: LinkCounters }> {
  const out: Record<string, { rx: LinkCounters; tx: LinkCounters }> = {};
  for (const now of after) {
    const was = before.find((i) => i.name === now.name && i.ifindex === now.ifindex);
    if (was) out[now.name] = { rx: sub(now.rx, was.rx), tx: sub(now.tx, was.tx) };
  }
  return out;
}

export function qdiscDeltas(
  before: readonly QdiscInfo[],
  after: readonly QdiscInfo[],
): Record<string, QdiscStats> {
  const out: Record<string, QdiscStats> = {};
  for (const now of after) {
    const was = before.find((q) => qdiscKey(q) === qdiscKey(now) && q.kind === now.kind);
    if (!was) continue;
    const d = (k: keyof QdiscStats) => Math.max(0, now.stats[k] - was.stats[k]);
    out[qdiscKey(now)] = {
      bytes: d("bytes"),
      packets: d("packets"),
      drops: d("drops"),
      overlimits: d("overlimits"),
      requeues: d("requeues"),
      // backlog and qlen are gauges: report the current value, not a difference.
      backlog: now.stats.backlog,
      qlen: now.stats.qlen,
    };
  }
  return out;
}
