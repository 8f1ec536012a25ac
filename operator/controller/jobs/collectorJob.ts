/**
 * The collector Job, built from small pure mutators so each privilege is one visible step with
 * its reason next to it. No Diagnosis field reaches the image, the command's executable, a host
 * path or a capability: the spec only picks checks, a container ID or node, and numbers.
 */
import { createHash } from "node:crypto";
import type { V1Container, V1Job, V1PodSpec, V1Toleration } from "@kubernetes/client-node";
import type { CheckName } from "../../api/v1alpha1/diagnosis.js";
import {
  DIAGNOSIS_NAME_LABEL,
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from "../../api/v1alpha1/wellKnown.js";

export const COLLECTOR_CONTAINER = "collector";
const TERMINATION_MESSAGE_PATH = "/dev/termination-log";
/** Finished Jobs linger this long for `kubectl logs`, then the TTL controller removes them. */
const JOB_TTL_SECONDS = 600;

/** `diag-<first 40 chars of the name>-<8 hex of sha256(uid)>`: deterministic, <= 54 chars. */
export function collectorJobName(diagnosisName: string, diagnosisUid: string): string {
  // Diagnosis names are DNS subdomains; a Job name also becomes a label value, so dots go and
  // the cut must not leave a trailing separator.
  const head = diagnosisName.slice(0, 40).replace(/\./g, "-").replace(/-+$/, "");
  const hash = createHash("sha256").update(diagnosisUid).digest("hex").slice(0, 8);
  return `diag-${head}-${hash}`;
}

/** Label values are at most 63 characters; longer names are cut and hashed (still unique). */
export function labelValue(value: string): string {
  if (value.length <= 63) return value;
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 8);
  return `${value.slice(0, 54).replace(/[-_.]+$/, "")}-${hash}`;
}

export function diagnosisLabels(d: {
  namespace: string;
  name: string;
  uid: string;
}): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [DIAGNOSIS_NAMESPACE_LABEL]: d.namespace,
    [DIAGNOSIS_NAME_LABEL]: labelValue(d.name),
    [DIAGNOSIS_UID_LABEL]: d.uid,
  };
}

export type CollectorTarget = { containerId: string } | { node: string };

export interface CollectorArgsInput {
  target: CollectorTarget;
  checks: readonly CheckName[];
  profile?: { durationSeconds: number; frequency: number; kernelThread?: string };
}

/** The runtime prefix (`containerd://`, `cri-o://`) is the kubelet's, not part of the ID. */
export function bareContainerId(containerID: string): string {
  const i = containerID.indexOf("://");
  return i < 0 ? containerID : containerID.slice(i + 3);
}

/** The collector's argv, an array (never a shell string). */
export function collectorCommand(input: CollectorArgsInput): string[] {
  const argv = ["diagnose-collector"];
  if ("containerId" in input.target) argv.push("--container-id", input.target.containerId);
  // The Job is pinned to the node, so the collector needs no name: it inspects the host it is on.
  else argv.push("--node");
  argv.push("--checks", input.checks.join(","), "--json");
  argv.push("--termination-message-path", TERMINATION_MESSAGE_PATH);
  if (input.profile && input.checks.includes("profile")) {
    argv.push("--profile-seconds", String(input.profile.durationSeconds));
    argv.push("--profile-frequency", String(input.profile.frequency));
    if (input.profile.kernelThread)
      argv.push("--profile-kernel-thread", input.profile.kernelThread);
  }
  return argv;
}

export interface CollectorJobInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  image: string;
  serviceAccount: string;
  nodeName: string;
  command: string[];
  cpuLimit: string;
  memoryLimit: string;
  /** Empty: none. */
  priorityClass: string;
  /** Absent: tolerate every taint. */
  tolerations?: V1Toleration[];
  activeDeadlineSeconds: number;
}

export type JobMutator = (job: V1Job) => V1Job;

/** Applies `f` to a copy of the pod spec. */
function podSpec(f: (spec: V1PodSpec) => void): JobMutator {
  return (job) => {
    const next = structuredClone(job);
    f(next.spec!.template.spec!);
    return next;
  };
}

function collectorContainer(f: (c: V1Container) => void): JobMutator {
  return podSpec((spec) => {
    const c = spec.containers.find((x) => x.name === COLLECTOR_CONTAINER);
    if (!c) throw new Error("collector container missing");
    f(c);
  });
}

/** The unprivileged skeleton: one run, no retries, a TTL, labels naming the Diagnosis. */
export function baseJob(input: CollectorJobInput): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: input.name, namespace: input.namespace, labels: { ...input.labels } },
    spec: {
      // A collector that failed once will fail the same way; the Diagnosis reports it instead.
      backoffLimit: 0,
      ttlSecondsAfterFinished: JOB_TTL_SECONDS,
      template: {
        metadata: { labels: { ...input.labels } },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: input.serviceAccount,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: COLLECTOR_CONTAINER,
              image: input.image,
              command: [...input.command],
              terminationMessagePath: TERMINATION_MESSAGE_PATH,
              // The collector writes the compact findings there itself; FallbackToLogsOnError
              // would put arbitrary log text where the operator expects the compact form.
              terminationMessagePolicy: "File",
            },
          ],
        },
      },
    },
  };
}

/** The collector must inspect one specific node: the one running the target. */
const pinToNode =
  (nodeName: string): JobMutator =>
  (job) =>
    podSpec((spec) => {
      // nodeName bypasses the scheduler, so a full or cordoned node still gets its collector.
      spec.nodeName = nodeName;
    })(job);

/** The collector lists the target's processes and reads /proc/<pid>/{root,environ,ns/net}. */
const withHostPID: JobMutator = podSpec((spec) => {
  spec.hostPID = true;
});

/** Node-level network counters, softirq and SYN-flood evidence live in the host network namespace. */
const withHostNetwork: JobMutator = podSpec((spec) => {
  spec.hostNetwork = true;
  // With hostNetwork, ClusterFirst would silently fall back anyway; the collector needs no DNS.
  spec.dnsPolicy = "Default";
});

/**
 * setns(2) into the target's network namespace, reading /dev/kmsg and other users' /proc files,
 * and perf_event_open for the opt-in profile all need CAP_SYS_ADMIN-level rights.
 */
export const privileged: JobMutator = collectorContainer((c) => {
  c.securityContext = {
    privileged: true,
    // Root in the host PID namespace reads other users' /proc/<pid>/ files.
    runAsUser: 0,
    // The collector writes only its termination message; nothing else needs a writable root.
    readOnlyRootFilesystem: true,
  };
});

/** Tainted nodes (NoSchedule, NoExecute, unreachable) are exactly where trouble is. */
const tolerateAllTaints: JobMutator = podSpec((spec) => {
  spec.tolerations = [{ operator: "Exists" }];
});

/** An administrator's narrower choice (chart value collector.tolerations) replaces the default. */
const withTolerations =
  (tolerations: V1Toleration[] | undefined): JobMutator =>
  (job) =>
    tolerations
      ? podSpec((spec) => {
          spec.tolerations = structuredClone(tolerations);
        })(job)
      : job;

/** The collector talks to no API server: it has no credentials to leak. */
const noApiCredentials: JobMutator = podSpec((spec) => {
  spec.automountServiceAccountToken = false;
});

/** A read-only hostPath volume mounted into the collector container at the same path. */
const withHostPath =
  (name: string, path: string, type: string): JobMutator =>
  (job) =>
    podSpec((spec) => {
      spec.volumes = [...(spec.volumes ?? []), { name, hostPath: { path, type } }];
    })(
      collectorContainer((c) => {
        c.volumeMounts = [...(c.volumeMounts ?? []), { name, mountPath: path, readOnly: true }];
      })(job),
    );

/** Kernel OOM-killer lines are read from the host's kernel log. */
const withKmsg: JobMutator = withHostPath("kmsg", "/dev/kmsg", "CharDevice");

/**
 * The host's /sys: a container's own /sys/fs/cgroup shows only its own cgroup, the collector needs
 * the target's. Read-only: the collector never writes to cgroups.
 */
const withHostSys: JobMutator = withHostPath("host-sys", "/sys", "Directory");

/**
 * The root file system is read-only, and the profile check writes perf.data under os.tmpdir():
 * a scratch emptyDir at /tmp, named by TMPDIR.
 */
const withScratchTmp: JobMutator = (job) =>
  podSpec((spec) => {
    spec.volumes = [...(spec.volumes ?? []), { name: "tmp", emptyDir: {} }];
  })(
    collectorContainer((c) => {
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: "tmp", mountPath: "/tmp" }];
      c.env = [...(c.env ?? []), { name: "TMPDIR", value: "/tmp" }];
    })(job),
  );

/**
 * Bounded: the collector runs on a node that may already be in trouble. Requests equal limits
 * (Guaranteed QoS), so under node memory pressure the kernel picks someone else to kill.
 */
const withResources =
  (cpu: string, memory: string): JobMutator =>
  (job) =>
    collectorContainer((c) => {
      c.resources = { requests: { cpu, memory }, limits: { cpu, memory } };
    })(job);

export const withPriorityClass =
  (priorityClass: string): JobMutator =>
  (job) =>
    priorityClass
      ? podSpec((spec) => {
          spec.priorityClassName = priorityClass;
        })(job)
      : job;

/** The Diagnosis' timeout: the Job controller kills the pod and marks the Job DeadlineExceeded. */
const withDeadline =
  (seconds: number): JobMutator =>
  (job) => {
    const next = structuredClone(job);
    next.spec!.activeDeadlineSeconds = seconds;
    return next;
  };

export function buildCollectorJob(input: CollectorJobInput): V1Job {
  const mutators: JobMutator[] = [
    pinToNode(input.nodeName),
    withHostPID,
    withHostNetwork,
    privileged,
    withKmsg,
    withHostSys,
    withScratchTmp,
    tolerateAllTaints,
    withTolerations(input.tolerations),
    noApiCredentials,
    withResources(input.cpuLimit, input.memoryLimit),
    withPriorityClass(input.priorityClass),
    withDeadline(input.activeDeadlineSeconds),
  ];
  return mutators.reduce((job, m) => m(job), baseJob(input));
}
