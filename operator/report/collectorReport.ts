import type { CheckName, Finding, Severity } from "../api/v1alpha1/diagnosis.js";

/** Bump on any incompatible change to CollectorReport; the operator validates it. */
export const REPORT_SCHEMA_VERSION = "diagnose.dev/report/v1";

/** What the collector resolved the target to. */
export interface TargetInfo {
  /** "pod" when a process or container was given; "node" for node-level checks only. */
  kind: "pod" | "node";
  pids: number[];
  containerId?: string;
  /** cgroup path per controller (v1) or under the key "unified" (v2). */
  cgroupPaths: Record<string, string>;
  cgroupVersion?: 1 | 2;
  hostname: string;
}

/** Outcome of one check: raw evidence, or why it could not run. */
export type CheckResult<T = unknown> =
  | { status: "ok"; durationMs: number; data: T }
  | { status: "unavailable"; durationMs: number; reason: string }
  | { status: "error"; durationMs: number; reason: string };

export interface CollectorReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  collector: { version: string; startedAt: string; durationMs: number };
  target: TargetInfo;
  checks: Partial<Record<CheckName, CheckResult>>;
  /** Ranked, most severe first. */
  findings: Finding[];
}

const SEVERITY_RANK: Record<Severity, number> = { Critical: 0, Warning: 1, Info: 2 };

/** Most severe first; stable for equal severity so check order is kept. */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}
