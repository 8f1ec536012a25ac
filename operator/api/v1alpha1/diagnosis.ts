/**
 * Diagnosis v1alpha1: the single source of the CRD schema.
 *
 * hack/gen-crd.ts reads these declarations with ts-morph and emits
 * crds/diagnose.dev_diagnoses.yaml. Validation lives in JSDoc tags:
 *   @minimum / @maximum / @minLength / @maxLength / @pattern / @minItems / @maxItems
 *   @default <json>        default value
 *   @format <name>         OpenAPI format (date-time, int64, byte)
 *   @listType set|map|atomic, @listMapKey <field>
 *   @preserveUnknownFields free-form object (x-kubernetes-preserve-unknown-fields)
 *   @validation <CEL rule> :: <message> [:: <fieldPath>]   x-kubernetes-validations (repeatable)
 *   @type number          a floating-point field (`number` means integer otherwise)
 *   @kind <Kind>, @printerColumn <Name> <type> <.json.path> [priority=N] [:: <description>]
 *                          root type only; priority > 0 shows only in `kubectl get -o wide`
 * A property is required unless it is optional (`?`). String literal unions become enums.
 * Rules that span fields are CEL; everything else is plain OpenAPI.
 */

export const GROUP = "diagnose.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "Diagnosis";
export const PLURAL = "diagnoses";
export const SINGULAR = "diagnosis";
export const SHORT_NAMES = ["diag"];
export const CATEGORIES = ["diagnose"];

/** The checks a collector can run. `profile` is opt-in. */
export type CheckName = "memory" | "jvm" | "cpu" | "network" | "softirq" | "profile";
export const ALL_CHECKS: readonly CheckName[] = [
  "memory",
  "jvm",
  "cpu",
  "network",
  "softirq",
  "profile",
];
export const DEFAULT_CHECKS: readonly CheckName[] = ["memory", "jvm", "cpu", "network", "softirq"];

/**
 * What to diagnose: a pod in the Diagnosis' own namespace (optionally one container), or a node.
 * @validation has(self.pod) != has(self.node) :: exactly one of target.pod or target.node must be set
 * @validation !has(self.container) || has(self.pod) :: target.container requires target.pod
 */
export interface DiagnosisTarget {
  /**
   * Name of a pod in the same namespace as the Diagnosis.
   * @maxLength 253
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
   */
  pod?: string;
  /**
   * Container within the pod; defaults to the last terminated one, else the first.
   * @maxLength 63
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
   */
  container?: string;
  /**
   * Node name, for node-level checks (softirq, profile).
   * @maxLength 253
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
   */
  node?: string;
}

/** Opt-in perf profile rendered as a flame graph: setting this block (or listing `profile` in checks) runs it. */
export interface ProfileSpec {
  /**
   * How long perf records.
   * @minimum 1
   * @maximum 120
   * @default 30
   */
  durationSeconds?: number;
  /**
   * Sampling frequency in Hz.
   * @minimum 1
   * @maximum 999
   * @default 99
   */
  frequency?: number;
  /**
   * Profile only kernel threads whose name starts with this (for example ksoftirqd).
   * @maxLength 64
   * @pattern ^[A-Za-z0-9_/:.-]+$
   */
  kernelThread?: string;
}

/**
 * What to diagnose and which checks to run. Immutable: the status (and the collector Job) always
 * describe the spec the Diagnosis was created with.
 * @validation self == oldSelf :: spec is immutable: delete the Diagnosis and create a new one
 * @validation !has(self.profile) || !has(self.profile.durationSeconds) || !has(self.timeoutSeconds) || self.profile.durationSeconds < self.timeoutSeconds :: spec.profile.durationSeconds must be shorter than spec.timeoutSeconds :: .profile.durationSeconds
 * @validation has(self.target.pod) || !has(self.checks) || !self.checks.exists(c, c in ['memory', 'jvm', 'cpu']) :: checks memory, jvm and cpu need target.pod; a node target runs network, softirq and profile :: .checks
 */
export interface DiagnosisSpec {
  target: DiagnosisTarget;
  /**
   * Checks to run; default all but profile (which `spec.profile` also turns on).
   * @minItems 1
   * @maxItems 6
   * @listType set
   */
  checks?: CheckName[];
  profile?: ProfileSpec;
  /**
   * Deadline for the collector Job.
   * @minimum 10
   * @maximum 3600
   * @default 120
   */
  timeoutSeconds?: number;
  /**
   * Seconds after it finished (Succeeded or Failed) before the operator deletes this Diagnosis;
   * default the operator's --ttl-seconds-after-finished (7 days). An automatic Diagnosis is kept
   * at least two cooldown windows after its creation whatever this says: until then the trigger
   * counts restarts against it.
   * @minimum 0
   * @maximum 31536000
   */
  ttlSecondsAfterFinished?: number;
}

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";
export type Severity = "Critical" | "Warning" | "Info";
export type ConditionStatus = "True" | "False" | "Unknown";
export type TriggerSource = "Manual" | "PodRestart";

/** Kubernetes API convention condition (metav1.Condition). */
export interface Condition {
  /**
   * @maxLength 316
   * @pattern ^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$
   */
  type: string;
  status: ConditionStatus;
  /**
   * @minimum 0
   * @format int64
   */
  observedGeneration?: number;
  /** @format date-time */
  lastTransitionTime: string;
  /**
   * @minLength 1
   * @maxLength 1024
   * @pattern ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
   */
  reason: string;
  /** @maxLength 32768 */
  message: string;
}

/**
 * The latest restart of one container of the workload recorded on this Diagnosis (one entry per
 * pod container). The trigger counts a container's new restarts from the highest restartCount
 * recorded for it on any Diagnosis of the workload, so these entries are what makes every
 * restart counted exactly once, across operator restarts and leader changes.
 */
export interface RecordedRestart {
  /** @maxLength 253 */
  pod: string;
  /**
   * UID of the pod: a pod recreated under the same name counts from zero again.
   * @maxLength 36
   */
  podUID?: string;
  /** @maxLength 63 */
  container: string;
  exitCode?: number;
  /** @maxLength 128 */
  reason?: string;
  /** The container's restart count at its latest recorded restart. */
  restartCount: number;
  /**
   * When the container killed at that restart finished, as its pod status says.
   * @format date-time
   */
  finishedAt?: string;
  /** @format date-time */
  observedAt: string;
}

export interface Trigger {
  source: TriggerSource;
  exitCode?: number;
  /** @maxLength 128 */
  reason?: string;
  restartCount?: number;
  /** @maxLength 253 */
  workload?: string;
  /**
   * The restarts of the workload within the cooldown, the one that created this Diagnosis
   * included: the latest per pod container.
   * @maxItems 100
   * @listType atomic
   */
  restarts?: RecordedRestart[];
  /** Restarts counted in total, including those beyond the recorded list. */
  restartsObserved?: number;
}

export interface ResolvedTarget {
  node?: string;
  podUID?: string;
  /** @maxLength 63 */
  container?: string;
  containerID?: string;
  image?: string;
  /** Memory limit of the container in bytes, from the pod spec. */
  memoryLimitBytes?: number;
  /** CPU limit of the container in millicores, from the pod spec. */
  cpuLimitMillis?: number;
}

export interface Finding {
  check: CheckName;
  severity: Severity;
  /** @maxLength 64 */
  code: string;
  /** @maxLength 1024 */
  summary: string;
  /** @preserveUnknownFields */
  evidence?: Record<string, unknown>;
  /** @maxLength 2048 */
  remediation?: string;
  /** Where the finding came from: the pod spec alone, or the collector on the node. */
  source?: "PodSpec" | "Collector";
}

/** Written by the operator only. `phase` is derived from the conditions, for the printer column. */
export interface DiagnosisStatus {
  phase?: Phase;
  observedGeneration?: number;
  /**
   * @listType map
   * @listMapKey type
   * @maxItems 16
   */
  conditions?: Condition[];
  trigger?: Trigger;
  target?: ResolvedTarget;
  /** @maxLength 253 */
  jobName?: string;
  /** @format date-time */
  startTime?: string;
  /** @format date-time */
  completionTime?: string;
  /**
   * The top finding in one short line for the Verdict column ("Critical OOMKilledByCgroup: java
   * 200Mi/200Mi"); its whole sentence is the Completed condition's message.
   * @maxLength 1024
   */
  verdict?: string;
  /**
   * Ranked, most severe first.
   * @maxItems 64
   * @listType atomic
   */
  findings?: Finding[];
  /**
   * Raw structured evidence per check, schema-versioned and size-capped.
   * @preserveUnknownFields
   */
  report?: Record<string, unknown>;
}

/**
 * A request to diagnose a pod (exit 137, throttling, packet loss) or a node (softirq storms), by
 * running a collector Job on its node; the findings land in the status.
 * @kind Diagnosis
 * @printerColumn Target string .spec.target['pod','node'] :: the target pod, or the node for node targets
 * @printerColumn Node string .status.target.node priority=1 :: node the collector runs on (-o wide)
 * @printerColumn Phase string .status.phase
 * @printerColumn Verdict string .status.verdict :: severity, code and key number of the top finding; the sentence is in the Completed condition
 * @printerColumn Age date .metadata.creationTimestamp
 */
export interface Diagnosis {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec: DiagnosisSpec;
  status?: DiagnosisStatus;
}
