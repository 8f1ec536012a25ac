/**
 * Diagnoses as the operator caches them. The controllers decide from the spec, the conditions,
 * the resolved target and the trigger; status.report (the collector's bounded evidence, up to
 * hundreds of KiB with profile stacks) and status.findings (64 findings with evidence) are read
 * only when a collector's result is merged, so the cache leaves them out and the reconciler GETs
 * the stored object then. Thousands of finished Diagnoses then cost a few KiB each instead of
 * their whole status (issue #13: 712 large ones took the operator past its memory limit).
 *
 * metadata keeps what the operator reads (identity, timestamps, finalizers) and only its own
 * labels and annotations: managedFields and a tenant's annotations (kubectl's
 * last-applied-configuration, up to 256 KiB of anything) are not the operator's business.
 */
import type { Diagnosis, DiagnosisStatus } from "../../api/v1alpha1/diagnosis.js";
import { MANAGED_BY_LABEL } from "../../api/v1alpha1/wellKnown.js";
import type { OmitRule } from "../runtime/omitJsonMembers.js";

/**
 * What the informer cuts from a Diagnosis' JSON before it is parsed: the report, and the
 * findings but for their number (cacheDiagnosis takes either form).
 */
export const DIAGNOSIS_OMITTED: readonly OmitRule[] = [
  { path: ["status", "report"] },
  { path: ["status", "findings"], count: true },
];

/** A Diagnosis without the status fields the cache leaves out: what every step reads. */
export type DiagnosisHead = Omit<Diagnosis, "status"> & {
  status?: Omit<DiagnosisStatus, "findings" | "report">;
};

/** What the cache keeps of status.findings: whether there are any (preliminary ones or not). */
export interface FindingsSummary {
  count: number;
}

export interface CachedDiagnosis extends DiagnosisHead {
  findingsSummary: FindingsSummary;
}

/** Labels and annotations of ours: the trigger's, the managed-by label. */
const OWN_KEY_PREFIX = "diagnose.dev/";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function ownKeys(v: unknown): Record<string, string> | undefined {
  const m = obj(v);
  if (!m) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, x] of Object.entries(m)) {
    if (typeof x !== "string" || !(k.startsWith(OWN_KEY_PREFIX) || k === MANAGED_BY_LABEL))
      continue;
    out ??= {};
    out[k] = x;
  }
  return out;
}

/** Of the findings, or of their number where the informer left only that (DIAGNOSIS_OMITTED). */
function summarize(findings: unknown): FindingsSummary {
  if (typeof findings === "number" && Number.isSafeInteger(findings) && findings >= 0)
    return { count: findings };
  return { count: Array.isArray(findings) ? findings.length : 0 };
}

/**
 * The cached form of a Diagnosis from the API (a list item, a watch event, a write's response).
 * Keeps metadata name, namespace and resourceVersion, as the runtime requires of a transform.
 */
export function cacheDiagnosis(raw: unknown): CachedDiagnosis {
  const d = obj(raw) ?? {};
  const m = obj(d.metadata) ?? {};
  const metadata: Diagnosis["metadata"] = {};
  for (const k of [
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
  ] as const) {
    if (typeof m[k] === "string") metadata[k] = m[k] as string;
  }
  if (typeof m.generation === "number") metadata.generation = m.generation;
  if (Array.isArray(m.finalizers))
    metadata.finalizers = m.finalizers.filter((f): f is string => typeof f === "string");
  const labels = ownKeys(m.labels);
  if (labels) metadata.labels = labels;
  const annotations = ownKeys(m.annotations);
  if (annotations) metadata.annotations = annotations;

  const out: CachedDiagnosis = {
    apiVersion: d.apiVersion as Diagnosis["apiVersion"],
    kind: d.kind as Diagnosis["kind"],
    metadata,
    spec: (obj(d.spec) ?? {}) as unknown as Diagnosis["spec"],
    findingsSummary: summarize(obj(d.status)?.findings),
  };
  const status = obj(d.status);
  if (status) {
    const { findings: _findings, report: _report, ...rest } = status;
    out.status = rest as DiagnosisHead["status"];
  }
  return out;
}
