import type {
  NetemConfig,
  QdiscInfo,
  QdiscStats,
  TbfConfig,
} from "../../report/evidence/networkEvidence.js";
import { expectedLossPercent } from "./netemLossModel.js";

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { s: 1e6, ms: 1e3, us: 1, usec: 1 };

/** "100Kbit" -> bytes per second; tc prints decimal prefixes for rates. */
export function parseTcRate(text: string): number | undefined {
  const m = /^([\d.]+)([KMGT]?bit)$/i.exec(text);
  if (!m) return undefined;
  const unit = RATE_UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : (Number(m[1]) * unit) / 8;
}

/** "1600b" / "3Kb" -> bytes (tc prints binary prefixes for sizes). */
export function parseTcSize(text: string): number | undefined {
  const m = /^([\d.]+)([KMG]?b)$/i.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** "112ms" -> microseconds. */
export function parseTcTime(text: string): number | undefined {
  const m = /^([\d.]+)(s|ms|us|usec)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * TIME_UNITS[m[2]!]!;
}

function percentAfter(tokens: string[], word: string): number | undefined {
  const i = tokens.indexOf(word);
  const m = i >= 0 ? /^([\d.]+)%$/.exec(tokens[i + 1] ?? "") : null;
  return m ? Number(m[1]) : undefined;
}

function pct(token: string | undefined): number | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,12})?)%$/.exec(token ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Values of labelled percentages after `from`: "p13 10% p31 90%" -> { p13: 10, p31: 90 }. */
function labelled(
  tokens: string[],
  from: number,
  labels: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = from; i + 1 < tokens.length && i < from + 2 * labels.length; i += 2) {
    const v = pct(tokens[i + 1]);
    if (!labels.includes(tokens[i]!) || v === undefined) break;
    out[tokens[i]!] = v;
  }
  return out;
}

function netemFromText(tokens: string[]): NetemConfig {
  const c: NetemConfig = {};
  const limit = tokens.indexOf("limit");
  if (limit >= 0) c.limit = Number(tokens[limit + 1]);
  const delay = tokens.indexOf("delay");
  if (delay >= 0) {
    const d = parseTcTime(tokens[delay + 1] ?? "");
    if (d !== undefined) c.delayMs = d / 1000;
    const j = parseTcTime(tokens[delay + 2] ?? "");
    if (j !== undefined) c.jitterMs = j / 1000;
  }
  const loss = tokens.indexOf("loss");
  if (loss >= 0) {
    const model = tokens[loss + 1];
    if (model === "state") {
      const v = labelled(tokens, loss + 2, ["p13", "p31", "p32", "p23", "p14"]);
      if (v.p13 !== undefined) {
        c.lossModel = "state";
        c.lossState = {
          p13: v.p13,
          p31: v.p31 ?? 0,
          p32: v.p32 ?? 0,
          p23: v.p23 ?? 0,
          p14: v.p14 ?? 0,
        };
      }
    } else if (model === "gemodel") {
      const v = labelled(tokens, loss + 2, ["p", "r", "1-h", "1-k"]);
      if (v.p !== undefined) {
        c.lossModel = "gemodel";
        c.lossGemodel = {
          p: v.p,
          r: v.r ?? 0,
          oneMinusH: v["1-h"] ?? 100,
          oneMinusK: v["1-k"] ?? 0,
        };
      }
    } else {
      const v = pct(model === "random" ? tokens[loss + 2] : model);
      if (v !== undefined) {
        c.lossModel = "random";
        c.lossPercent = v;
      }
    }
  }
  const pairs: [keyof NetemConfig, string][] = [
    ["duplicatePercent", "duplicate"],
    ["reorderPercent", "reorder"],
    ["corruptPercent", "corrupt"],
  ];
  for (const [key, word] of pairs) {
    const v = percentAfter(tokens, word);
    if (v !== undefined) c[key] = v as never;
  }
  const rate = tokens.indexOf("rate");
  if (rate >= 0) {
    const r = parseTcRate(tokens[rate + 1] ?? "");
    if (r !== undefined) c.rateBytesPerSecond = r;
  }
  const slot = tokens.indexOf("slot");
  if (slot >= 0) {
    const ms = (t: string | undefined) => {
      const us = parseTcTime(t ?? "");
      return us === undefined ? undefined : us / 1000;
    };
    const s: NonNullable<NetemConfig["slot"]> = {};
    let i = slot + 1;
    if (tokens[i] === "distribution") {
      const d = ms(tokens[i + 1]);
      const j = ms(tokens[i + 2]);
      if (d !== undefined) s.distributionDelayMs = d;
      if (j !== undefined) s.distributionJitterMs = j;
      i += 3;
    } else {
      const min = ms(tokens[i]);
      const max = ms(tokens[i + 1]);
      if (min !== undefined) s.minDelayMs = min;
      if (max !== undefined) s.maxDelayMs = max;
      i += max === undefined ? 1 : 2;
    }
    for (const word of ["packets", "bytes"] as const) {
      const k = tokens.indexOf(word, i);
      if (k >= 0 && k <= i + 3 && /^\d+$/.test(tokens[k + 1] ?? ""))
        s[word] = Number(tokens[k + 1]);
    }
    c.slot = s;
  }
  const expected = expectedLossPercent(c);
  if (expected !== undefined) c.expectedLossPercent = expected;
  return c;
}

function tbfFromText(tokens: string[]): TbfConfig | undefined {
  const after = (w: string) => {
    const i = tokens.indexOf(w);
    return i >= 0 ? tokens[i + 1] : undefined;
  };
  const rate = parseTcRate(after("rate") ?? "");
  if (rate === undefined) return undefined;
  const c: TbfConfig = { rateBytesPerSecond: rate };
  const burst = parseTcSize(after("burst") ?? "");
  if (burst !== undefined) c.burstBytes = burst;
  const lat = parseTcTime(after("lat") ?? "");
  if (lat !== undefined) c.latencyUs = lat;
  const limit = parseTcSize(after("limit") ?? "");
  if (limit !== undefined) c.limitBytes = limit;
  return c;
}

const HEAD = /^qdisc\s+(\S+)\s+(\S+)(?:\s+dev\s+(\S+))?\s+(root|parent\s+\S+)(.*)$/;
const SENT =
  /Sent\s+(\d+)\s+bytes\s+(\d+)\s+pkt\s+\(dropped\s+(\d+),\s+overlimits\s+(\d+)\s+requeues\s+(\d+)\)/;
const BACKLOG = /backlog\s+(\d+)b\s+(\d+)p/;

/**
 * Parses plain `tc -s qdisc show [dev X]` text, the fallback when `tc -j` is unsupported.
 * `defaultDev` names the device when the command was limited to one (tc then omits "dev X").
 */
export function parseTcQdiscText(text: string, defaultDev = ""): QdiscInfo[] {
  const out: QdiscInfo[] = [];
  let current: QdiscInfo | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const head = HEAD.exec(line);
    if (head) {
      const [, kind, handle, dev, where, rest] = head;
      const config = (rest ?? "").trim();
      const tokens = config.split(/\s+/).filter(Boolean);
      const zero: QdiscStats = {
        bytes: 0,
        packets: 0,
        drops: 0,
        overlimits: 0,
        requeues: 0,
        backlog: 0,
        qlen: 0,
      };
      current = {
        dev: dev ?? defaultDev,
        kind: kind!,
        handle: handle!,
        root: where === "root",
        options: config,
        stats: zero,
      };
      if (where !== "root") current.parent = where!.split(/\s+/)[1]!;
      if (kind === "netem") current.netem = netemFromText(tokens);
      if (kind === "tbf") {
        const tbf = tbfFromText(tokens);
        if (tbf) current.tbf = tbf;
      }
      out.push(current);
      continue;
    }
    if (!current) continue;
    const sent = SENT.exec(line);
    if (sent) {
      const [, bytes, packets, drops, overlimits, requeues] = sent.map(Number);
      Object.assign(current.stats, { bytes, packets, drops, overlimits, requeues });
    }
    const backlog = BACKLOG.exec(line);
    if (backlog) {
      current.stats.backlog = Number(backlog[1]);
      current.stats.qlen = Number(backlog[2]);
    }
  }
  return out;
}
