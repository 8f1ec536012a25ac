import type {
  NetemConfig,
  QdiscInfo,
  QdiscStats,
  TbfConfig,
} from "../../report/evidence/networkEvidence.js";

type Json = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): Json | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}

/** tc -j prints netem probabilities as fractions (0..1) and times in seconds (q_netem.c). */
function pct(fraction: number | undefined): number | undefined {
  return fraction === undefined ? undefined : Math.round(fraction * 100 * 1e6) / 1e6;
}

function ms(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000 * 1e6) / 1e6;
}

function netemFromJson(o: Json): NetemConfig {
  const c: NetemConfig = {};
  const set = <K extends keyof NetemConfig>(k: K, v: NetemConfig[K] | undefined) => {
    if (v !== undefined) c[k] = v;
  };
  set("limit", num(o.limit));
  const delay = obj(o.delay);
  set("delayMs", ms(num(delay?.delay)));
  set("jitterMs", ms(num(delay?.jitter)));
  set("lossPercent", pct(num(obj(o["loss-random"])?.loss)));
  set("duplicatePercent", pct(num(obj(o.duplicate)?.duplicate)));
  set("reorderPercent", pct(num(obj(o.reorder)?.reorder)));
  set("corruptPercent", pct(num(obj(o.corrupt)?.corrupt)));
  set("rateBytesPerSecond", num(obj(o.rate)?.rate));
  return c;
}

function tbfFromJson(o: Json): TbfConfig | undefined {
  const rate = num(o.rate);
  if (rate === undefined) return undefined;
  const c: TbfConfig = { rateBytesPerSecond: rate };
  const burst = num(o.burst);
  if (burst !== undefined) c.burstBytes = burst;
  const lat = num(o.lat);
  if (lat !== undefined) c.latencyUs = lat;
  const limit = num(o.limit);
  if (limit !== undefined) c.limitBytes = limit;
  return c;
}

export function qdiscStatsFrom(o: Json): QdiscStats {
  return {
    bytes: num(o.bytes) ?? 0,
    packets: num(o.packets) ?? 0,
    drops: num(o.drops) ?? 0,
    overlimits: num(o.overlimits) ?? 0,
    requeues: num(o.requeues) ?? 0,
    backlog: num(o.backlog) ?? 0,
    qlen: num(o.qlen) ?? 0,
  };
}

/** Parses `tc -j -s qdisc show` output. */
export function parseTcQdiscJson(text: string): QdiscInfo[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error("tc -j qdisc: expected a JSON array");
  return parsed.map((entry: Json) => {
    const options = obj(entry.options) ?? {};
    const q: QdiscInfo = {
      dev: String(entry.dev ?? ""),
      kind: String(entry.kind ?? ""),
      handle: String(entry.handle ?? ""),
      root: entry.root === true,
      options,
      stats: qdiscStatsFrom(entry),
    };
    if (typeof entry.parent === "string") q.parent = entry.parent;
    if (q.kind === "netem") q.netem = netemFromJson(options);
    if (q.kind === "tbf") {
      const tbf = tbfFromJson(options);
      if (tbf) q.tbf = tbf;
    }
    return q;
  });
}
