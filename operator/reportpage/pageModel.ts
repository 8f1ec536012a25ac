/**
 * What the report page shows, independent of where it came from (a Diagnosis read from the
 * cluster or a file, or the collector's own report). The builders read their input as untrusted
 * JSON: every field is checked for its type and bounded before it lands here.
 */
import type { Finding, Severity } from "../api/v1alpha1/diagnosis.js";

export interface PageFact {
  label: string;
  value: string;
}

export interface CheckTiming {
  check: string;
  status: string;
  durationMs?: number;
  reason?: string;
  /** The check's data was dropped from the status for its size (the pod log has it). */
  truncated?: boolean;
}

/** One stacked part of a memory bar. */
export interface MemorySegment {
  name: string;
  bytes: number;
  /** Where the number comes from (a flag, a default, a counter, the kernel's report). */
  source?: string;
  tone:
    | "heap"
    | "metaspace"
    | "classes"
    | "code"
    | "threads"
    | "direct"
    | "native"
    | "anon"
    | "file"
    | "other";
}

export interface MemoryBar {
  label: string;
  segments: MemorySegment[];
  /** The bar is the memory at an OOM kill. */
  oom?: boolean;
  note?: string;
}

export interface MemoryPicture {
  limitBytes?: number;
  bars: MemoryBar[];
}

export interface RestartPoint {
  /** ISO time the restart was observed; undefined when unknown. */
  time?: string;
  what: string;
  restartCount?: number;
  exitCode?: number;
  reason?: string;
  /** A kernel OOM kill from the kernel log, rather than a container restart. */
  kind: "restart" | "oomKill";
}

export interface RestartHistory {
  points: RestartPoint[];
  /** Restarts counted beyond those recorded with details. */
  unrecorded: number;
}

export interface ProfileStacks {
  /** Collapsed stacks ("a;b;c 12" lines), decoded. */
  collapsed: string;
  title: string;
  subtitle?: string;
}

export interface ReportPageModel {
  /** The page's heading: "shop/tomcat-oom" or "pid 4242 on host-1". */
  title: string;
  /** "Diagnosis" or "collector report". */
  origin: string;
  phase?: string;
  verdict: string;
  facts: PageFact[];
  /** Ranked, most severe first. */
  findings: Finding[];
  checks: CheckTiming[];
  memory?: MemoryPicture;
  restarts?: RestartHistory;
  profile?: ProfileStacks;
  /** A second profile to compare against (a differential flame graph). */
  baselineProfile?: ProfileStacks;
  /** Why parts are missing (a profile that could not be decoded, a failed Diagnosis). */
  problems: string[];
}

export const SEVERITIES: readonly Severity[] = ["Critical", "Warning", "Info"];

const MAX_FINDINGS = 64;
const MAX_TEXT = 4096;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asString(v: unknown, max = MAX_TEXT): string | undefined {
  return typeof v === "string" ? v.slice(0, max) : undefined;
}

export function asNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Findings as they may be shown: known severities, strings bounded, at most 64. */
export function sanitizeFindings(raw: unknown): Finding[] {
  if (!Array.isArray(raw)) return [];
  const out: Finding[] = [];
  for (const f of raw.slice(0, MAX_FINDINGS)) {
    if (!isRecord(f)) continue;
    const severity = SEVERITIES.find((s) => s === f.severity) ?? "Info";
    const finding: Finding = {
      check: (asString(f.check, 32) ?? "unknown") as Finding["check"],
      severity,
      code: asString(f.code, 64) ?? "Unknown",
      summary: asString(f.summary) ?? "",
    };
    const remediation = asString(f.remediation);
    if (remediation) finding.remediation = remediation;
    if (isRecord(f.evidence)) finding.evidence = f.evidence;
    if (f.source === "PodSpec" || f.source === "Collector") finding.source = f.source;
    out.push(finding);
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return out
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.severity) - rank(b.f.severity) || a.i - b.i)
    .map(({ f }) => f);
}

/** report.checks.<name> as timings: status, duration, why it did not run. */
export function checkTimings(checks: unknown): CheckTiming[] {
  if (!isRecord(checks)) return [];
  const out: CheckTiming[] = [];
  for (const [check, r] of Object.entries(checks).slice(0, 16)) {
    if (!isRecord(r)) continue;
    const t: CheckTiming = {
      check: check.slice(0, 32),
      status: asString(r.status, 32) ?? "unknown",
    };
    const ms = asNumber(r.durationMs);
    if (ms !== undefined) t.durationMs = ms;
    const reason = asString(r.reason, 1024);
    if (reason) t.reason = reason;
    if (r.truncated === true) t.truncated = true;
    out.push(t);
  }
  return out;
}
