/**
 * Pure decisions of the Diagnosis reconciler: what the spec means beyond the CRD schema, how
 * findings from the pod spec and the collector combine, and the one-line verdict.
 */

import { verdictLine, verdictSentence } from "../../analysis/verdictLine.js";
import {
  type CheckName,
  DEFAULT_CHECKS,
  type DiagnosisSpec,
  type Finding,
} from "../../api/v1alpha1/diagnosis.js";
import { rankFindings } from "../../report/collectorReport.js";

/** Checks that look inside one pod's processes or cgroup (the CRD's CEL rule agrees). */
const POD_ONLY: readonly CheckName[] = ["memory", "jvm", "cpu"];
export const DEFAULT_TIMEOUT_SECONDS = 120;
/** The collector needs time after the profile to symbolize stacks and write its report. */
const PROFILE_MARGIN_SECONDS = 10;
const MAX_FINDINGS = 64;
const MAX_EVIDENCE_BYTES = 4096;

export function effectiveChecks(spec: DiagnosisSpec): CheckName[] {
  if (spec.checks?.length) return [...new Set(spec.checks)];
  const base: CheckName[] = spec.target.node ? ["network", "softirq"] : [...DEFAULT_CHECKS];
  if (spec.profile) base.push("profile");
  return base;
}

export function profileSettings(
  spec: DiagnosisSpec,
): { durationSeconds: number; frequency: number; kernelThread?: string } | undefined {
  if (!effectiveChecks(spec).includes("profile")) return undefined;
  const p = spec.profile ?? {};
  const out: { durationSeconds: number; frequency: number; kernelThread?: string } = {
    durationSeconds: p.durationSeconds ?? 30,
    frequency: p.frequency ?? 99,
  };
  if (p.kernelThread) out.kernelThread = p.kernelThread;
  return out;
}

/** Why the spec cannot run, for what the schema cannot express; undefined when it can. */
export function specProblem(spec: DiagnosisSpec): string | undefined {
  const hasPod = Boolean(spec.target?.pod);
  const hasNode = Boolean(spec.target?.node);
  if (hasPod === hasNode) return "exactly one of spec.target.pod or spec.target.node must be set";
  const checks = effectiveChecks(spec);
  if (hasNode) {
    const podOnly = checks.filter((c) => POD_ONLY.includes(c));
    if (podOnly.length)
      return `checks ${podOnly.join(", ")} inspect a pod and need spec.target.pod; a node target runs network, softirq and profile`;
  }
  if (spec.profile && spec.checks?.length && !spec.checks.includes("profile"))
    return "spec.profile is set but spec.checks does not include profile";
  const timeout = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const profile = profileSettings(spec);
  if (profile && profile.durationSeconds + PROFILE_MARGIN_SECONDS > timeout)
    return `profile.durationSeconds (${profile.durationSeconds}) plus ${PROFILE_MARGIN_SECONDS}s for the report must fit in timeoutSeconds (${timeout})`;
  return undefined;
}

function boundEvidence(f: Finding): Finding {
  if (!f.evidence) return f;
  const bytes = Buffer.byteLength(JSON.stringify(f.evidence));
  return bytes <= MAX_EVIDENCE_BYTES ? f : { ...f, evidence: { truncated: true, bytes } };
}

/** Pod-spec findings that a collector finding states again, measured on the node. */
const SUPERSEDED_BY: Record<string, readonly string[]> = {
  ContainerOOMKilled: ["OOMKilledByCgroup", "OOMKilledByNode"],
  JvmIgnoresContainerLimit: ["JvmNotContainerAware"],
  // The running JVM's measured footprint settles what the pod spec's flags suggested.
  JvmHeapExceedsLimit: ["JvmFootprintExceedsLimit", "JvmHeapWithinLimit"],
  JvmHeapNearLimit: ["JvmHeapExceedsLimit", "JvmFootprintExceedsLimit", "JvmHeapWithinLimit"],
};

/**
 * Collector findings first; a pod-spec finding stays only when the collector did not report the
 * same code or one that states it again (SUPERSEDED_BY; it saw the same thing with better
 * evidence). Ranked, capped, evidence bounded.
 */
export function mergeFindings(
  collector: readonly Finding[],
  podSpec: readonly Finding[],
): Finding[] {
  const codes = new Set(collector.map((f) => f.code));
  const superseded = (f: Finding) =>
    codes.has(f.code) || (SUPERSEDED_BY[f.code] ?? []).some((c) => codes.has(c));
  const merged = [
    ...collector.map((f) => ({ ...f, source: "Collector" as const })),
    ...podSpec.filter((f) => !superseded(f)),
  ];
  return rankFindings(merged).slice(0, MAX_FINDINGS).map(boundEvidence);
}

/** The Verdict column's short line, and the whole sentence for the Completed condition and Events. */
export function verdictFor(
  findings: readonly Finding[],
  checks: readonly CheckName[],
): { line: string; sentence: string } {
  return { line: verdictLine(findings), sentence: verdictSentence(findings, checks) };
}

/** JSON with sorted keys, so objects from the API server and our own compare by content. */
export function stableStringify(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v))
    return `[${v.map((x) => (x === undefined ? "null" : stableStringify(x))).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(",")}}`;
}
