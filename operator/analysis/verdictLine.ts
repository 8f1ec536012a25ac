/**
 * The verdict in two lengths. The line is what `kubectl get diag` prints in its Verdict column:
 * severity, code and the number that matters ("Critical OOMKilledByCgroup: java 200Mi/200Mi"),
 * short enough that the columns besides the name and the target fit an 80-column terminal. The
 * sentence is the top finding's whole summary, for the Completed condition and `kubectl
 * describe`. Pure; reads evidence defensively (a finding may come from an older collector).
 */
import type { Finding } from "../api/v1alpha1/diagnosis.js";
import { formatMemorySize as size } from "./formatMemorySize.js";

/**
 * PHASE (9) + VERDICT + AGE (5), each followed by kubectl's 3-space gap, in 80 columns; the
 * node is a -o wide column.
 */
export const VERDICT_LINE_MAX = 56;

type Evidence = Record<string, unknown>;

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const bytes = (v: unknown): string | undefined => {
  const n = num(v);
  return n === undefined ? undefined : size(n);
};
const pct = (ratio: number | undefined) =>
  ratio === undefined ? undefined : `${Math.round(ratio * 1000) / 10}%`;
const rec = (v: unknown): Evidence =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Evidence) : {};
const ratioOf = (used: string | undefined, limit: string | undefined) =>
  used && limit ? `${used}/${limit}` : undefined;

/** The key number of a finding, by code; undefined falls back to the summary's start. */
const HEADLINES: Record<string, (e: Evidence) => string | undefined> = {
  OOMKilledByCgroup: (e) =>
    [str(rec(e.victim).name), ratioOf(bytes(e.usageBytes), bytes(e.limitBytes))]
      .filter(Boolean)
      .join(" ") || undefined,
  OOMKilledByNode: (e) => str(rec(e.victim).name),
  ContainerOOMKilled: (e) => {
    const limit = bytes(e.limitBytes);
    return `exit ${num(e.exitCode) ?? 137}${limit ? ` at limit ${limit}` : ""}`;
  },
  JvmHeapExceedsLimit: (e) => {
    const heap = bytes(e.maxHeapBytes);
    const limit = bytes(e.limitBytes);
    return heap && limit ? `heap ${heap} > limit ${limit}` : undefined;
  },
  JvmFootprintExceedsLimit: (e) => {
    // Whole MiB: the column has no room for decimals here.
    const fp = num(e.footprintBytes);
    const total = fp === undefined ? undefined : size(Math.ceil(fp / 2 ** 20) * 2 ** 20);
    const limit = bytes(e.limitBytes);
    return total && limit ? `${total} > limit ${limit}` : undefined;
  },
  JvmHeapWithinLimit: (e) => ratioOf(bytes(e.maxHeapBytes), bytes(e.limitBytes)),
  JvmHeapNearLimit: (e) => ratioOf(bytes(e.maxHeapBytes), bytes(e.limitBytes)),
  MemoryNearLimit: (e) => ratioOf(bytes(e.workingSetBytes), bytes(e.limitBytes)),
  NoOomKill: (e) => ratioOf(bytes(e.usageBytes), bytes(e.limitBytes)),
  CpuThrottled: (e) => {
    const ratio = pct(num(e.throttledRatio));
    const cores = num(e.limitCores);
    return ratio
      ? `${ratio} of periods${cores === undefined ? "" : ` at ${cores} CPU`}`
      : undefined;
  },
  IptablesDropRule: (e) => {
    const rules = Array.isArray(e.rules) ? e.rules.map(rec) : [];
    const shares = [...new Set(rules.map((r) => pct(num(r.probability))).filter(Boolean))];
    const n = num(e.ruleCount) ?? rules.length;
    const owner = str(e.ownerName);
    return `${n} rule${n === 1 ? "" : "s"}${shares.length ? ` drop ${shares.join("/")}` : ""}${owner ? ` (${owner})` : ""}`;
  },
  MtuMismatch: (e) => {
    const dev = str(e.interface);
    return dev ? `${dev} MTU ${num(e.podMtu)} vs ${num(e.peerMtu)}` : undefined;
  },
  MtuTooSmall: (e) => (str(e.interface) ? `${str(e.interface)} MTU ${num(e.mtu)}` : undefined),
  SynFlood: (e) => {
    const cookies = num(rec(e.perSecond).syncookiesSent);
    const port = num(e.port);
    return cookies === undefined
      ? undefined
      : `${Math.round(cookies)} cookies/s${port === undefined ? "" : ` port ${port}`}`;
  },
  SoftirqHigh: (e) => {
    const cpus = Array.isArray(e.cpus) ? e.cpus.map(rec) : [];
    const worst = Math.max(
      0,
      ...cpus.map((c) => (num(c.siPercent) ?? 0) + (num(c.hiPercent) ?? 0)),
    );
    const type = str(e.dominantSoftirq);
    return cpus.length ? `${Math.round(worst)}% of a CPU${type ? `, ${type}` : ""}` : undefined;
  },
};

function clipTo(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The summary's first clause: up to a colon, semicolon or parenthesis. */
function firstClause(summary: string): string {
  const cut = summary.search(/[:;(]/);
  return (cut > 0 ? summary.slice(0, cut) : summary).trim();
}

/** "Critical OOMKilledByCgroup: java 200Mi/200Mi", at most VERDICT_LINE_MAX characters. */
export function findingLine(f: Finding, max = VERDICT_LINE_MAX): string {
  const head = `${f.severity} ${f.code}`;
  let detail: string | undefined;
  try {
    detail = HEADLINES[f.code]?.(rec(f.evidence));
  } catch {
    detail = undefined;
  }
  detail ??= firstClause(f.summary);
  return clipTo(detail ? `${head}: ${detail}` : head, max);
}

/** The Verdict column: the top finding's line, or that nothing was found. */
export function verdictLine(findings: readonly Finding[]): string {
  const top = findings[0];
  return top ? findingLine(top) : "OK: no problems found";
}

/** The whole sentence: the top finding's summary, or which checks found nothing. */
export function verdictSentence(findings: readonly Finding[], checks: readonly string[]): string {
  const top = findings[0];
  if (!top) return `No problems found (checks: ${checks.join(", ")})`;
  return `${top.severity}: ${top.summary}`.slice(0, 1024);
}
