/**
 * When a finished Diagnosis expires, pure: ttlSecondsAfterFinished (its spec, else the
 * operator's default; 0 there keeps them) after it finished (Completed or Failed). An automatic
 * Diagnosis (the trigger's) is kept at least two cooldown windows after its creation: within
 * one window the trigger records restarts on it, and restart accounting relies on whatever it
 * counted being older than the trigger's freshness window (one cooldown) once it is gone (see
 * trigger/restartRules.ts). The same floor keeps the trigger from making a second Diagnosis for
 * a window whose first one expired.
 */
import type { Diagnosis } from "../../api/v1alpha1/diagnosis.js";
import { TRIGGER_LABEL } from "../../api/v1alpha1/wellKnown.js";
import { COMPLETED, FAILED, findCondition, isTrue } from "../diagnosis/conditions.js";

export interface ExpiryPolicy {
  /** For Diagnoses whose spec sets none; 0: they are kept. */
  defaultTtlSeconds: number;
  /** The trigger's cooldown window. */
  cooldownSeconds: number;
}

/** When the Diagnosis finished, or undefined while it has not. */
export function finishedAt(d: Diagnosis): Date | undefined {
  const conditions = d.status?.conditions;
  const done = isTrue(conditions, COMPLETED)
    ? COMPLETED
    : isTrue(conditions, FAILED)
      ? FAILED
      : undefined;
  if (!done) return undefined;
  const at = d.status?.completionTime ?? findCondition(conditions, done)?.lastTransitionTime;
  const t = at ? new Date(at) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t : undefined;
}

/** When the operator deletes it; undefined: not finished, or kept. */
export function expiresAt(d: Diagnosis, policy: ExpiryPolicy): Date | undefined {
  const finished = finishedAt(d);
  if (!finished) return undefined;
  const ttl = d.spec.ttlSecondsAfterFinished ?? policy.defaultTtlSeconds;
  if (d.spec.ttlSecondsAfterFinished === undefined && policy.defaultTtlSeconds === 0)
    return undefined;
  let at = finished.getTime() + ttl * 1000;
  if (d.metadata.labels?.[TRIGGER_LABEL] === "PodRestart") {
    const created = new Date(d.metadata.creationTimestamp ?? 0).getTime();
    at = Math.max(at, created + 2 * policy.cooldownSeconds * 1000);
  }
  return new Date(at);
}
