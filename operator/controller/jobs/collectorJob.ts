/**
 * The collector Job, built from small pure mutators so each privilege is one visible step with
 * its reason next to it. No Diagnosis field reaches the image, the command's executable, a host
 * path or a capability: the spec only picks checks, a container ID or node, and numbers.
 *
 * Privileges follow the checks the Job runs, the way kubectl debug's profiles do (sysadmin:
 * privileged; netadmin: NET_ADMIN + NET_RAW; general: SYS_PTRACE): CHECK_ACCESS says what each
 * check needs and the Job gets the union. No check needs a privileged container or the host's
 * network namespace: the host's /proc/net is read as /proc/1/net and host-side tools run in pid
 * 1's network namespace through nsenter, and the kernel log comes through dmesg (syslog(2),
 * CAP_SYSLOG) rather than the /dev/kmsg device, which only a privileged container may open.
 */
import { createHash, randomBytes } from "node:crypto";
import type {
  V1Container,
  V1Job,
  V1PodSpec,
  V1SecurityContext,
  V1Toleration,
} from "@kubernetes/client-node";
import type { CheckName } from "../../api/v1alpha1/diagnosis.js";
import {
  DIAGNOSIS_NAME_LABEL,
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  REPORT_TOKEN_ANNOTATION,
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
  /** The Job's report token (reportLine.ts): the report line must carry it. */
  reportToken?: string;
  /** The collector reports what it has and exits by then (before the Job's deadline kills it). */
  deadlineSeconds?: number;
}

/** A fresh report token: 128 random bits, in hex. */
export function newReportToken(): string {
  return randomBytes(16).toString("hex");
}

/** The report token the operator put on its Job (REPORT_TOKEN_ANNOTATION), if any. */
export function reportTokenOf(job: V1Job): string | undefined {
  return job.metadata?.annotations?.[REPORT_TOKEN_ANNOTATION];
}

/**
 * The collector's own deadline, inside the Job's: the Job controller kills the pod at
 * activeDeadlineSeconds (counted from the Job's start, image pull included), and a killed
 * collector leaves no report.
 */
export function collectorDeadlineSeconds(activeDeadlineSeconds: number): number {
  return Math.max(5, activeDeadlineSeconds - 5);
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
  if (input.reportToken) argv.push("--report-token", input.reportToken);
  if (input.deadlineSeconds !== undefined)
    argv.push("--deadline-seconds", String(input.deadlineSeconds));
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
  /** The checks the command runs: they decide the Job's privileges (CHECK_ACCESS). */
  checks: readonly CheckName[];
  cpuRequest: string;
  memoryRequest: string;
  cpuLimit: string;
  memoryLimit: string;
  /** Empty: none. */
  priorityClass: string;
  /** Absent: tolerate every taint. */
  tolerations?: V1Toleration[];
  /** Secrets in the Job's namespace for pulling the collector image. */
  imagePullSecrets?: readonly string[];
  activeDeadlineSeconds: number;
  /** Kept on the Job (REPORT_TOKEN_ANNOTATION) for the ReportReader; also in `command`. */
  reportToken?: string;
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
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.labels },
      ...(input.reportToken
        ? { annotations: { [REPORT_TOKEN_ANNOTATION]: input.reportToken } }
        : {}),
    },
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
      // nodeName bypasses the scheduler, so a full or cordoned node still gets its collector (and
      // its taints are checked by the operator instead: nodeTaints.ts).
      spec.nodeName = nodeName;
    })(job);

/**
 * Every check finds its target's processes (or the host's, pid 1) in the host PID namespace:
 * /proc/<pid>/{cgroup,root,environ,net,ns/net}. No check joins the host's network namespace.
 */
const withHostPID: JobMutator = podSpec((spec) => {
  spec.hostPID = true;
});

/** Linux capabilities a check may need (without the CAP_ prefix, as Kubernetes spells them). */
export type Capability =
  | "DAC_READ_SEARCH"
  | "IPC_LOCK"
  | "NET_ADMIN"
  | "NET_RAW"
  | "PERFMON"
  | "SYS_ADMIN"
  | "SYS_PTRACE"
  | "SYSLOG";

/** What a check needs beyond hostPID and a root user. */
export interface CheckAccess {
  capabilities: readonly Capability[];
  /** The host's /sys (the target's cgroup files, the host's network devices), read-only. */
  hostSys: boolean;
}

/**
 * Per check, with the reason for each grant. Reading /proc/<pid>/{root,environ,ns/net} of
 * another process is a ptrace-mode read (SYS_PTRACE); files of another user that are not
 * world-readable need DAC_READ_SEARCH (root without it is an ordinary user to the file modes).
 */
export const CHECK_ACCESS: Readonly<Record<CheckName, CheckAccess>> = {
  // Kernel OOM-kill lines through dmesg (syslog(2): SYSLOG); cgroup memory files under /sys;
  // the target's /proc/<pid>/status and cgroup.
  memory: { capabilities: ["SYSLOG", "SYS_PTRACE"], hostSys: true },
  // hsperfdata under /proc/<pid>/root/tmp (mode 0600, the JVM user's), the release file of the
  // JVM's image, /proc/<pid>/{cmdline,environ}.
  jvm: { capabilities: ["SYS_PTRACE", "DAC_READ_SEARCH"], hostSys: false },
  // cgroup CPU files under /sys (world-readable).
  cpu: { capabilities: [], hostSys: true },
  // nsenter into the target's network namespace (setns: SYS_ADMIN); its firewall rules and
  // conntrack table over netlink and raw sockets (NET_ADMIN + NET_RAW: kubectl's netadmin
  // profile); /proc/<pid>/ns/net; the host's veths under /sys/class/net when ip is missing.
  network: { capabilities: ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE"], hostSys: true },
  // /proc/<pid>/net and ns/net of the target's processes and of pid 1 (the host's).
  softirq: { capabilities: ["SYS_PTRACE"], hostSys: false },
  // perf_event_open system-wide (PERFMON; SYS_ADMIN on kernels before 5.8), kernel symbols from
  // /proc/kallsyms (SYSLOG), the sampled processes' maps and binaries (SYS_PTRACE,
  // DAC_READ_SEARCH), perf's ring buffers beyond perf_event_mlock_kb (IPC_LOCK).
  profile: {
    capabilities: ["PERFMON", "SYS_ADMIN", "SYSLOG", "SYS_PTRACE", "DAC_READ_SEARCH", "IPC_LOCK"],
    hostSys: false,
  },
};

/** The union of what `checks` need, capabilities sorted. */
export function accessFor(checks: readonly CheckName[]): CheckAccess {
  const caps = new Set<Capability>();
  let hostSys = false;
  for (const c of checks) {
    for (const cap of CHECK_ACCESS[c].capabilities) caps.add(cap);
    hostSys ||= CHECK_ACCESS[c].hostSys;
  }
  return { capabilities: [...caps].sort(), hostSys };
}

/**
 * Root with only the capabilities the checks need: every other one dropped, no privileged
 * container (no host devices, /proc and /sys masked as usual). Seccomp and AppArmor are
 * Unconfined because what the checks do is what their default profiles filter: setns,
 * perf_event_open and syslog under RuntimeDefault seccomp depend on the runtime's version, and
 * the runtime's AppArmor profile refuses ptrace-mode reads of processes outside it (the host's
 * pid 1, whose /proc/1/net and ns/net softirq and node targets read).
 */
export const withCheckPrivileges =
  (checks: readonly CheckName[]): JobMutator =>
  (job) =>
    collectorContainer((c) => {
      const caps = accessFor(checks).capabilities;
      const sc: V1SecurityContext = {
        // Root in the host PID namespace, so the capabilities apply to the files it reads.
        runAsUser: 0,
        // The collector writes its termination message and perf.data (the /tmp emptyDir) only.
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"], ...(caps.length ? { add: [...caps] } : {}) },
        seccompProfile: { type: "Unconfined" },
        appArmorProfile: { type: "Unconfined" },
      };
      // The API refuses allowPrivilegeEscalation=false next to SYS_ADMIN.
      if (!caps.includes("SYS_ADMIN")) sc.allowPrivilegeEscalation = false;
      c.securityContext = sc;
    })(job);

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

/**
 * A read-only hostPath volume mounted into the collector container at the same path. With
 * `recursive`, mounts under it (the host's /sys has cgroup, debugfs, bpf... mounts below) are
 * read-only too where the runtime can (recursiveReadOnly: IfPossible needs a runtime with
 * recursive read-only mounts, containerd 2.0; older ones get the plain read-only bind).
 */
const withHostPath =
  (name: string, path: string, type: string, recursive = false): JobMutator =>
  (job) =>
    podSpec((spec) => {
      spec.volumes = [...(spec.volumes ?? []), { name, hostPath: { path, type } }];
    })(
      collectorContainer((c) => {
        c.volumeMounts = [
          ...(c.volumeMounts ?? []),
          {
            name,
            mountPath: path,
            readOnly: true,
            ...(recursive ? { recursiveReadOnly: "IfPossible" } : {}),
          },
        ];
      })(job),
    );

/**
 * The host's /sys, for the checks that read it (CHECK_ACCESS.hostSys): a container's own
 * /sys/fs/cgroup shows only its own cgroup, the collector needs the target's. Read-only: the
 * collector never writes to cgroups.
 */
const withHostSys =
  (checks: readonly CheckName[]): JobMutator =>
  (job) =>
    accessFor(checks).hostSys ? withHostPath("host-sys", "/sys", "Directory", true)(job) : job;

/** The /tmp emptyDir's cap: perf.data stops at 48 MB (profileCheck.ts); the rest is headroom. */
const SCRATCH_SIZE_LIMIT = "64Mi";

/**
 * The root filesystem is read-only: the profile check's perf.data goes to a /tmp emptyDir
 * (capped; the kubelet evicts a pod that writes past it) that TMPDIR names, since the collector
 * puts its temporary files under os.tmpdir().
 */
const withScratchTmp: JobMutator = (job) =>
  podSpec((spec) => {
    spec.volumes = [
      ...(spec.volumes ?? []),
      { name: "tmp", emptyDir: { sizeLimit: SCRATCH_SIZE_LIMIT } },
    ];
  })(
    collectorContainer((c) => {
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: "tmp", mountPath: "/tmp" }];
      c.env = [...(c.env ?? []), { name: "TMPDIR", value: "/tmp" }];
    })(job),
  );

/**
 * Bounded by the limits: the collector runs on a node that may already be in trouble. Small
 * requests, so the kubelet of a full node still admits it (requests are what admission sums);
 * the limits keep it from taking more than its share.
 */
const withResources =
  (
    requests: { cpu: string; memory: string },
    limits: { cpu: string; memory: string },
  ): JobMutator =>
  (job) =>
    collectorContainer((c) => {
      c.resources = { requests: { ...requests }, limits: { ...limits } };
    })(job);

/**
 * The default, system-node-critical, is the one priority the kubelet acts on when it admits a pod
 * pinned by nodeName: on a full node it evicts lower-priority pods to make room, under memory or
 * disk pressure it still admits the pod, and its OOM score is that of a Guaranteed pod.
 */
export const withPriorityClass =
  (priorityClass: string): JobMutator =>
  (job) =>
    priorityClass
      ? podSpec((spec) => {
          spec.priorityClassName = priorityClass;
        })(job)
      : job;

/** The collector image from a private registry (chart value collector.imagePullSecrets). */
const withImagePullSecrets =
  (names: readonly string[] | undefined): JobMutator =>
  (job) =>
    names?.length
      ? podSpec((spec) => {
          spec.imagePullSecrets = names.map((name) => ({ name }));
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
    withCheckPrivileges(input.checks),
    withHostSys(input.checks),
    withScratchTmp,
    tolerateAllTaints,
    withTolerations(input.tolerations),
    noApiCredentials,
    withResources(
      { cpu: input.cpuRequest, memory: input.memoryRequest },
      { cpu: input.cpuLimit, memory: input.memoryLimit },
    ),
    withPriorityClass(input.priorityClass),
    withImagePullSecrets(input.imagePullSecrets),
    withDeadline(input.activeDeadlineSeconds),
  ];
  return mutators.reduce((job, m) => m(job), baseJob(input));
}
