/**
 * Names the operator writes onto objects, or reads from objects others made, in one place: the
 * chart, the CLI and the docs spell some of them too, and a rename has to reach them all.
 * A `*_LABEL` / `*_ANNOTATION` / `*_FINALIZER` is a key; a `*_SELECTOR` is a `key=value` query.
 */

/** The operator's name where Kubernetes asks for one (managed-by value, field manager, Events). */
const OPERATOR_NAME = "diagnose-operator";

/** On every Diagnosis the reconciler handled: the collector Job is deleted before it goes. */
export const CLEANUP_FINALIZER = "diagnose.dev/cleanup-job";

/** Standard label on what the operator creates: collector Jobs (and their pods), Diagnoses. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = OPERATOR_NAME;
/** The operator's own objects: the Job informer lists only these. */
export const MANAGED_BY_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/**
 * On a collector Job and its pods: the Diagnosis it works for. The Job lives in the operator's
 * namespace, so no ownerReference can point across; these labels do instead.
 */
export const DIAGNOSIS_NAMESPACE_LABEL = "diagnose.dev/diagnosis-namespace";
/** Cut and hashed when the name is longer than a label value may be (63). */
export const DIAGNOSIS_NAME_LABEL = "diagnose.dev/diagnosis-name";
export const DIAGNOSIS_UID_LABEL = "diagnose.dev/diagnosis-uid";

/** On Diagnoses the trigger creates (value: the trigger source); absent: a Manual Diagnosis. */
export const TRIGGER_LABEL = "diagnose.dev/trigger";
/** On Diagnoses the trigger creates: `Kind/name` of the workload whose pod restarted. */
export const WORKLOAD_ANNOTATION = "diagnose.dev/workload";
/** On a pod: "false" opts it out of the restart trigger. */
export const AUTO_TRIGGER_ANNOTATION = "diagnose.dev/auto";

/** Set by the Job controller on a Job's pods: the Job's UID. */
export const JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

/** metadata.managedFields manager of the operator's writes. */
export const FIELD_MANAGER = OPERATOR_NAME;
/** Events' source and reportingComponent. */
export const REPORTING_COMPONENT = OPERATOR_NAME;

/**
 * On a collector Job: the random token its collector's report line must carry
 * (operator/report/reportLine.ts). The Job lives in the operator's namespace, which tenants
 * cannot read; the operator reads the token back from its Job cache.
 */
export const REPORT_TOKEN_ANNOTATION = "diagnose.dev/report-token";
