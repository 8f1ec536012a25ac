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
 *
 * A finished Diagnosis (Completed or Failed, not being deleted) is cached settled: nothing
 * writes its status any more, and what still reads it (expiry, the trigger's restart counts, the
 * open-Diagnosis cap, the finished step) needs only the condition that finished it (type, status,
 * reason, time), the completion time and the trigger. The other conditions, every message, the
 * verdict, resolved target, Job name and start time stay on the stored object; kept, they were
 * most of what thousands of finished Diagnoses cost (2,000 in the bench: 3.3 KB of live heap
 * each, 1.6 KB settled). Being deleted, it is cached whole again, for the finalizer.
 */
import type { Diagnosis, DiagnosisStatus } from "../../api/v1alpha1/diagnosis.js";
import { MANAGED_BY_LABEL } from "../../api/v1alpha1/wellKnown.js";
import { COMPLETED, FAILED } from "../diagnosis/conditions.js";
import type { OmitRule } from "../runtime/omitJsonMembers.js";
import type { StringPool } from "./stringPool.js";

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
  /**
   * Finished and cached settled (see the header): only the condition that finished it, with an
   * empty message, and SETTLED_STATUS_FIELDS. Never the base of a status write.
   */
  settled?: true;
}

/** What a settled Diagnosis keeps of its status besides the condition that finished it. */
const SETTLED_STATUS_FIELDS = ["phase", "observedGeneration", "completionTime", "trigger"] as const;

/** Labels and annotations of ours: the trigger's, the managed-by label. */
const OWN_KEY_PREFIX = "diagnose.dev/";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function ownKeys(v: unknown, pool: StringPool | undefined): Record<string, string> | undefined {
  const m = obj(v);
  if (!m) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, x] of Object.entries(m)) {
    if (typeof x !== "string" || !(k.startsWith(OWN_KEY_PREFIX) || k === MANAGED_BY_LABEL))
      continue;
    out ??= {};
    out[shared(pool, k)] = shared(pool, x);
  }
  return out;
}

/**
 * One shared copy of a string many Diagnoses repeat, where a pool is given. Only for values of
 * few distinct kinds (namespaces, reasons): the pool is bounded and starts over when full, so a
 * per-Diagnosis value (a timestamp, a UID) would only push out the Pod cache's shared strings.
 */
function shared<T>(pool: StringPool | undefined, v: T): T {
  return (typeof v === "string" && pool ? pool.intern(v) : v) as T;
}

/** Completed or Failed True; on the JSON as it came, which may be anything. */
function isTerminal(c: Json | undefined): c is Json {
  return (c?.type === COMPLETED || c?.type === FAILED) && c.status === "True";
}

function isFinished(status: Json): boolean {
  return Array.isArray(status.conditions) && status.conditions.some((c) => isTerminal(obj(c)));
}

/**
 * A finished Diagnosis' status as the cache keeps it (see the header): of the conditions only
 * the one that finished it, without its message.
 */
function settledStatus(status: Json, pool: StringPool | undefined): Json {
  const out: Json = {};
  for (const k of SETTLED_STATUS_FIELDS) if (status[k] !== undefined) out[k] = status[k];
  if (out.phase !== undefined) out.phase = shared(pool, out.phase);
  out.conditions = (status.conditions as unknown[]).flatMap((c) => {
    const o = obj(c);
    if (!isTerminal(o)) return [];
    const kept: Json = {
      type: shared(pool, o.type),
      status: shared(pool, o.status),
      reason: shared(pool, o.reason),
      message: "",
      // Mostly the completion time: one string for both.
      lastTransitionTime:
        o.lastTransitionTime === out.completionTime ? out.completionTime : o.lastTransitionTime,
    };
    if (o.observedGeneration !== undefined) kept.observedGeneration = o.observedGeneration;
    return [kept];
  });
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
 * With a pool, the strings many Diagnoses repeat (namespace, kinds, reasons) are shared.
 */
export function cacheDiagnosis(raw: unknown, pool?: StringPool): CachedDiagnosis {
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
  if (metadata.namespace !== undefined) metadata.namespace = shared(pool, metadata.namespace);
  if (typeof m.generation === "number") metadata.generation = m.generation;
  if (Array.isArray(m.finalizers))
    metadata.finalizers = m.finalizers
      .filter((f): f is string => typeof f === "string")
      .map((f) => shared(pool, f));
  const labels = ownKeys(m.labels, pool);
  if (labels) metadata.labels = labels;
  const annotations = ownKeys(m.annotations, pool);
  if (annotations) metadata.annotations = annotations;

  const out: CachedDiagnosis = {
    apiVersion: shared(pool, d.apiVersion as Diagnosis["apiVersion"]),
    kind: shared(pool, d.kind as Diagnosis["kind"]),
    metadata,
    spec: (obj(d.spec) ?? {}) as unknown as Diagnosis["spec"],
    findingsSummary: summarize(obj(d.status)?.findings),
  };
  const status = obj(d.status);
  if (status && !metadata.deletionTimestamp && isFinished(status)) {
    out.status = settledStatus(status, pool) as DiagnosisHead["status"];
    out.settled = true;
  } else if (status) {
    const { findings: _findings, report: _report, ...rest } = status;
    out.status = rest as DiagnosisHead["status"];
  }
  return out;
}
