import type {
  NetemConfig,
  QdiscInfo,
  QdiscStats,
  TbfConfig,
} from "../../report/evidence/networkEvidence.js";
import { expectedLossPercent } from "./netemLossModel.js";

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
  const random = pct(num(obj(o["loss-random"])?.loss));
  if (random !== undefined) {
    c.lossModel = "random";
    c.lossPercent = random;
  }
  const state = obj(o["loss-state"]);
  if (state && num(state.p13) !== undefined) {
    const v = (k: string) => pct(num(state[k])) ?? 0;
    c.lossModel = "state";
    c.lossState = { p13: v("p13"), p31: v("p31"), p32: v("p32"), p23: v("p23"), p14: v("p14") };
  }
  const ge = obj(o["loss-gemodel"]);
  if (ge && num(ge.p) !== undefined) {
    c.lossModel = "gemodel";
    c.lossGemodel = {
      p: pct(num(ge.p)) ?? 0,
      r: pct(num(ge.r)) ?? 0,
      oneMinusH: pct(num(ge["1-h"])) ?? 100,
      oneMinusK: pct(num(ge["1-k"])) ?? 0,
    };
  }
  set("duplicatePercent", pct(num(obj(o.duplicate)?.duplicate)));
  set("reorderPercent", pct(num(obj(o.reorder)?.reorder)));
  set("corruptPercent", pct(num(obj(o.corrupt)?.corrupt)));
  set("rateBytesPerSecond", num(obj(o.rate)?.rate));
  const slot = obj(o.slot);
  if (slot) {
    // q_netem.c prints slot times in JSON as signed 64-bit nanoseconds (__PRINT_TIME64).
    const nsToMs = (v: unknown) => {
      const n = num(v);
      return n === undefined ? undefined : n / 1e6;
    };
    const s: NonNullable<NetemConfig["slot"]> = {};
    const put = <K extends keyof typeof s>(k: K, v: (typeof s)[K] | undefined) => {
      if (v !== undefined) s[k] = v;
    };
    put("minDelayMs", nsToMs(slot["min-delay"]));
    put("maxDelayMs", nsToMs(slot["max-delay"]));
    put("distributionDelayMs", nsToMs(slot.distribution));
    put("distributionJitterMs", nsToMs(slot.jitter));
    put("packets", num(slot.packets));
    put("bytes", num(slot.bytes));
    c.slot = s;
  }
  set("expectedLossPercent", expectedLossPercent(c));
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
