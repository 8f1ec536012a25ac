/**
 * How an event of a kind the Diagnosis reconciler watches finds the Diagnoses it concerns: by
 * cache indexes (added in setup, before the caches start), never by a scan of every Diagnosis
 * on each Job, Pod or Node event.
 */
import type { V1Pod } from "@kubernetes/client-node";
import {
  DIAGNOSIS_NAME_LABEL,
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
  JOB_CONTROLLER_UID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from "../../api/v1alpha1/wellKnown.js";
import type { DiagnosisHead } from "../kinds/diagnosisTransform.js";
import { type ObjectCache, type ObjectKey, objectKey } from "../runtime/contracts.js";
import { COMPLETED, FAILED, findCondition, isTrue, JOB_CREATED } from "./conditions.js";

/** Diagnoses by metadata.uid. */
const DIAGNOSIS_UID_INDEX = "uid";
/** Unfinished Diagnoses by the node they target or their collector runs on. */
const DIAGNOSIS_NODE_INDEX = "node";
/** Diagnoses by the reason of their JobCreated condition (Queued: waiting for a slot). */
const JOB_CREATED_REASON_INDEX = "jobCreatedReason";
/** Pods by the UID of the Job that made them (the Job controller's label). */
export const JOB_UID_INDEX = "jobUid";

export const diagnosisIndexes: Record<string, (d: DiagnosisHead) => string[]> = {
  [DIAGNOSIS_UID_INDEX]: (d) => (d.metadata.uid ? [d.metadata.uid] : []),
  [DIAGNOSIS_NODE_INDEX]: (d) => {
    const c = d.status?.conditions;
    if (isTrue(c, COMPLETED) || isTrue(c, FAILED)) return [];
    const nodes = [d.status?.target?.node, d.spec.target?.node].filter((n): n is string => !!n);
    return [...new Set(nodes)];
  },
  [JOB_CREATED_REASON_INDEX]: (d) => {
    const reason = findCondition(d.status?.conditions, JOB_CREATED)?.reason;
    return reason ? [reason] : [];
  },
};

export function podJobUid(pod: V1Pod): string[] {
  const uid = pod.metadata?.labels?.[JOB_CONTROLLER_UID_LABEL];
  return uid ? [uid] : [];
}

const keyOf = (d: DiagnosisHead): ObjectKey => objectKey(d.metadata.namespace, d.metadata.name!);

/** The Diagnosis a collector Job (or its pod: same labels) works for, from its labels. */
export function diagnosisKeyOfJob(
  job: { metadata?: { labels?: Record<string, string> } },
  diagnoses: ObjectCache<DiagnosisHead>,
): ObjectKey[] {
  const labels = job.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return [];
  const ns = labels[DIAGNOSIS_NAMESPACE_LABEL];
  const name = labels[DIAGNOSIS_NAME_LABEL];
  if (!ns || !name) return [];
  // The UID decides: names over 63 characters are cut and hashed in the label.
  const uid = labels[DIAGNOSIS_UID_LABEL];
  const owner = uid
    ? diagnoses.byIndex(DIAGNOSIS_UID_INDEX, uid).find((d) => d.metadata.namespace === ns)
    : undefined;
  return [owner ? keyOf(owner) : objectKey(ns, name)];
}

/** The Diagnoses waiting for a collector slot: a Job that finished may have freed one. */
export function queuedDiagnoses(diagnoses: ObjectCache<DiagnosisHead>): ObjectKey[] {
  return diagnoses.byIndex(JOB_CREATED_REASON_INDEX, "Queued").map(keyOf);
}

/**
 * The unfinished Diagnoses that run on (or target) node `name`: a Node added or deleted changes
 * their fate (NodeGone), so they are reconciled at once rather than at their next poll.
 */
export function diagnosesOnNode(name: string, diagnoses: ObjectCache<DiagnosisHead>): ObjectKey[] {
  return diagnoses.byIndex(DIAGNOSIS_NODE_INDEX, name).map(keyOf);
}
