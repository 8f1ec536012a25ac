/**
 * A cap on the open (unfinished) Diagnoses of one namespace, so one tenant cannot fill the
 * collector queue and the operator's memory with them.
 *
 * Decided here, at a Diagnosis' first reconcile, rather than at admission: a
 * ValidatingAdmissionPolicy sees only the object in the request, not how many others exist; a
 * ResourceQuota (count/diagnoses.diagnose.dev) counts finished ones too and has to be created in
 * every namespace by an admin (README: worth adding as a hard ceiling); a webhook would make every
 * Diagnosis write depend on the operator being up. So a Diagnosis beyond the cap fails at once
 * (TooManyOpenDiagnoses), before it resolves a target or waits for a slot.
 *
 * Started Diagnoses (a JobCreated condition, not finished) are counted from the cache index; the
 * ones this process admitted but whose first status write the cache has not shown yet are held
 * here, and check-and-admit is synchronous, so parallel reconciles cannot both take the last place.
 */
import type { DiagnosisHead } from "../kinds/diagnosisTransform.js";
import { type ObjectCache, type ObjectKey, objectKey } from "../runtime/contracts.js";
import { COMPLETED, FAILED, findCondition, isTrue, JOB_CREATED } from "./conditions.js";

/** Namespaces of the Diagnoses that started and have not finished (a cache index). */
export const STARTED_OPEN_INDEX = "startedOpenNamespace";

export function isFinished(d: DiagnosisHead): boolean {
  const c = d.status?.conditions;
  return isTrue(c, COMPLETED) || isTrue(c, FAILED);
}

/** Started: the reconciler wrote its first JobCreated condition (waiting, queued or created). */
export function hasStarted(d: DiagnosisHead): boolean {
  return findCondition(d.status?.conditions, JOB_CREATED) !== undefined;
}

export function startedOpenNamespace(d: DiagnosisHead): string[] {
  return hasStarted(d) && !isFinished(d) ? [d.metadata.namespace ?? ""] : [];
}

export type CapDecision = { ok: true } | { ok: false; message: string };

export class OpenDiagnosisCap {
  /** Admitted here, not yet shown started by the cache: key -> namespace. */
  private readonly admitted = new Map<ObjectKey, string>();

  constructor(
    private readonly maxOpenPerNamespace: number,
    private readonly diagnoses: ObjectCache<DiagnosisHead>,
  ) {}

  /** May `d`, not started yet, start? Counts it in at once when it may. */
  admit(d: DiagnosisHead): CapDecision {
    const ns = d.metadata.namespace ?? "";
    const key = objectKey(ns, d.metadata.name!);
    const open = new Set(
      this.diagnoses.byIndex(STARTED_OPEN_INDEX, ns).map((x) => objectKey(ns, x.metadata.name!)),
    );
    for (const [k, kns] of this.admitted) {
      const cached = this.diagnoses.get(k);
      // Shown started (counted above), finished or gone: no longer held here.
      if (!cached || hasStarted(cached) || isFinished(cached)) this.admitted.delete(k);
      else if (kns === ns) open.add(k);
    }
    if (open.has(key)) return { ok: true };
    if (open.size >= this.maxOpenPerNamespace)
      return {
        ok: false,
        message: `namespace ${ns} has ${open.size} unfinished Diagnoses, the most the operator runs at once per namespace (${this.maxOpenPerNamespace}); wait for them to finish or delete some, then create this one again`,
      };
    this.admitted.set(key, ns);
    return { ok: true };
  }

  forget(key: ObjectKey): void {
    this.admitted.delete(key);
  }
}
