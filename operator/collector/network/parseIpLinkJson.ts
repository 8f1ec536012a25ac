import type { InterfaceInfo, LinkCounters } from "../../report/evidence/networkEvidence.js";

type Json = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function counters(raw: unknown, overrunKey: string): LinkCounters {
  const r = (raw ?? {}) as Json;
  const c: LinkCounters = {
    bytes: num(r.bytes),
    packets: num(r.packets),
    errors: num(r.errors),
    dropped: num(r.dropped),
    overruns: num(r[overrunKey]),
  };
  if (typeof r.missed === "number") c.missed = r.missed;
  return c;
}

/** Parses `ip -j [-s] [-d] link` output. Missing stats (no `-s`) read as zero. */
export function parseIpLinkJson(text: string): InterfaceInfo[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error("ip -j link: expected a JSON array");
  return parsed.map((entry: Json) => {
    const stats = (entry.stats64 ?? entry.stats ?? {}) as Json;
    const linkinfo = entry.linkinfo as Json | undefined;
    const info: InterfaceInfo = {
      ifindex: num(entry.ifindex),
      name: String(entry.ifname ?? ""),
      mtu: num(entry.mtu),
      operstate: String(entry.operstate ?? "UNKNOWN"),
      flags: Array.isArray(entry.flags) ? entry.flags.map(String) : [],
      rx: counters(stats.rx, "over_errors"),
      tx: counters(stats.tx, "carrier_errors"),
    };
    if (typeof entry.qdisc === "string") info.qdisc = entry.qdisc;
    if (typeof linkinfo?.info_kind === "string") info.kind = linkinfo.info_kind;
    if (typeof entry.link_index === "number") info.linkIndex = entry.link_index;
    if (typeof entry.link_netnsid === "number") info.linkNetnsId = entry.link_netnsid;
    return info;
  });
}
