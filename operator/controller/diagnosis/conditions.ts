/**
 * The one place that sets Diagnosis conditions (Kubernetes API conventions, metav1.Condition).
 *
 * Condition types (positive polarity, like a Job's Complete/Failed):
 *   JobCreated  True once the collector Job exists; False while waiting for the target to run
 *               (reason WaitingForTarget) or for a free collector slot (reason Queued).
 *   Completed   True once the collector's report is read and its findings are in the status.
 *   Failed      True when the diagnosis cannot complete; the reason says why (TargetNotFound,
 *               PodNotScheduled, NodeGone, InvalidSpec, JobDeadlineExceeded, ...).
 * `phase` is derived from them (printer column), never set on its own.
 */
import type { Condition, ConditionStatus, Phase } from "../../api/v1alpha1/diagnosis.js";

export const JOB_CREATED = "JobCreated";
export const COMPLETED = "Completed";
export const FAILED = "Failed";

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Fields in the CRD schema: reason is CamelCase, message at most 32 KiB. */
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const MAX_MESSAGE = 32768;

/**
 * Returns a new list with `input` applied: lastTransitionTime moves only when the status changes,
 * observedGeneration is stamped with the generation the decision was made from.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  observedGeneration: number | undefined,
  now: Date,
): Condition[] {
  if (!REASON.test(input.reason)) throw new Error(`invalid condition reason ${input.reason}`);
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const existing = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message.slice(0, MAX_MESSAGE),
    lastTransitionTime:
      existing && existing.status === input.status
        ? existing.lastTransitionTime
        : now.toISOString(),
  };
  if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/** Phase from conditions: Failed wins, then Completed, then a created Job means Running. */
export function derivePhase(conditions: readonly Condition[] | undefined): Phase {
  if (isTrue(conditions, FAILED)) return "Failed";
  if (isTrue(conditions, COMPLETED)) return "Succeeded";
  if (isTrue(conditions, JOB_CREATED)) return "Running";
  return "Pending";
}

/** Conditions whose status or reason differ between two lists: the transitions worth an Event. */
export function changedConditions(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): Condition[] {
  return (after ?? []).filter((c) => {
    const old = findCondition(before, c.type);
    return !old || old.status !== c.status || old.reason !== c.reason;
  });
}
