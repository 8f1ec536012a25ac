import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type {
  MatchedOomKill,
  MemoryEvidence,
  OomKillEvent,
} from "../report/evidence/memoryEvidence.js";
import type { AnalysisContext } from "./analysisContext.js";
import { percent, formatMemorySize as size } from "./formatMemorySize.js";

export const MEMORY_THRESHOLDS = {
  /** Working set / limit at or above which MemoryNearLimit is raised. */
  nearLimitRatio: 0.9,
};

/** Where the limit that the kernel enforced sits, relative to the killed container. */
export type OomLimitLevel =
  | "container"
  | "pod"
  | "qosClass"
  | "nodeAllocatable"
  | "parentCgroup"
  | "node";

const POD_SEGMENT =
  /(?:^|-)pod[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}(?:\.slice)?$/;
const QOS_SEGMENT = /^(?:burstable|besteffort|kubepods-(?:burstable|besteffort)\.slice)$/;
const KUBEPODS_SEGMENT = /^kubepods(?:\.slice)?$/;

/**
 * Which limit an OOM kill hit: the kernel names the cgroup whose limit was reached (oom_memcg, or
 * "killed as a result of limit of" on old kernels). Under the kubelet's hierarchy that is the
 * container, its pod, a QoS class, or kubepods itself (node allocatable: all pods together). Any
 * other cgroup above the task's is a parent slice (kube-reserved, system-reserved, a systemd slice).
 */
export function oomLimitOf(ev: OomKillEvent): { level: OomLimitLevel; cgroup?: string } {
  if (ev.kind === "node") return { level: "node" };
  const limit = ev.oomMemcg;
  if (limit === undefined) return { level: "container" };
  const segments = limit.split("/").filter((s) => s.length > 0);
  const k = segments.findIndex((s) => KUBEPODS_SEGMENT.test(s));
  if (k >= 0) {
    const below = segments.slice(k + 1);
    const leaf = below.at(-1);
    if (leaf === undefined) return { level: "nodeAllocatable", cgroup: limit };
    if (QOS_SEGMENT.test(leaf)) return { level: "qosClass", cgroup: limit };
    if (POD_SEGMENT.test(leaf)) return { level: "pod", cgroup: limit };
    return { level: "container", cgroup: limit };
  }
  const task = ev.taskMemcg;
  if (task !== undefined && task !== limit && task.startsWith(limit === "/" ? "/" : `${limit}/`))
    return { level: "parentCgroup", cgroup: limit };
  return { level: "container", cgroup: limit };
}

export interface MemoryConsumer {
  /** anon, file, sock, kernel (cgroup v2 keys; v1 rss/cache are reported as anon/file). */
  name: string;
  bytes: number;
  /** Share of the cgroup's usage at the kill (of the sum of consumers when usage is unknown). */
  share: number;
}

/**
 * The memory.stat of the cgroup at the kill, as disjoint consumers largest first: anon, file
 * (page cache, including shmem/tmpfs), sock (socket buffers) and kernel (slab, stacks, page
 * tables, per-cpu). An anon/(anon+file) share would hide socket buffers and kernel memory.
 */
export function memcgConsumers(
  stats: Record<string, number>,
  usageBytes?: number,
): MemoryConsumer[] {
  const first = (...keys: string[]) => {
    for (const k of keys) if (stats[k] !== undefined) return stats[k];
    return undefined;
  };
  const parts: [string, number | undefined][] = [
    ["anon", first("anon", "total_rss", "rss")],
    ["file", first("file", "total_cache", "cache")],
    ["sock", first("sock")],
  ];
  // "kernel" (5.18+) already sums slab, stacks, page tables, per-cpu and vmalloc.
  const kernel =
    stats.kernel ??
    (["kernel_stack", "pagetables", "percpu", "slab", "vmalloc"].some((k) => k in stats)
      ? (stats.kernel_stack ?? 0) +
        (stats.pagetables ?? 0) +
        (stats.percpu ?? 0) +
        (stats.slab ?? (stats.slab_reclaimable ?? 0) + (stats.slab_unreclaimable ?? 0)) +
        (stats.vmalloc ?? 0)
      : undefined);
  parts.push(["kernel", kernel]);
  const present = parts.filter((p): p is [string, number] => p[1] !== undefined);
  const sum = present.reduce((a, [, b]) => a + b, 0);
  const whole =
    usageBytes !== undefined && usageBytes >= sum * 0.5 ? Math.max(usageBytes, sum) : sum;
  if (whole <= 0) return [];
  return present
    .map(([name, bytes]) => ({ name, bytes, share: Math.round((bytes / whole) * 1000) / 1000 }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
}

function consumersOf(ev: MatchedOomKill): MemoryConsumer[] {
  if (!ev.memcgStats) return [];
  return memcgConsumers(
    ev.memcgStats,
    ev.memcgUsageKb === undefined ? undefined : ev.memcgUsageKb * 1024,
  );
}

/** Anonymous share of the cgroup's memory when it was killed, from the kernel's report. */
export function anonShareOfOomKill(ev: MatchedOomKill): number | undefined {
  const anon = consumersOf(ev).find((c) => c.name === "anon");
  if (anon) return anon.share;
  const v = ev.victim;
  if (v?.anonRssKb !== undefined && ev.memcgUsageKb)
    return Math.min(1, v.anonRssKb / ev.memcgUsageKb);
  if (v?.anonRssKb !== undefined) {
    const total = v.anonRssKb + (v.fileRssKb ?? 0) + (v.shmemRssKb ?? 0);
    return total > 0 ? v.anonRssKb / total : undefined;
  }
  return undefined;
}

function isJvmTarget(context: AnalysisContext): boolean {
  const jvm = context.results.jvm as { jvms?: unknown[] } | undefined;
  return (jvm?.jvms?.length ?? 0) > 0;
}

/** "sock 86%, anon 13%": the consumers worth naming (5% or more), largest first. */
function consumersText(consumers: MemoryConsumer[], anon: number | undefined): string {
  const named = consumers.filter((c) => c.share >= 0.05).slice(0, 3);
  if (named.length > 0)
    return `, ${named.map((c) => `${c.name} ${Math.round(c.share * 100)}%`).join(", ")}`;
  return anon === undefined ? "" : `, anon ${Math.round(anon * 100)}%`;
}

/** What to do about the memory that filled the cgroup, by its largest consumer. */
function consumerAdvice(top: MemoryConsumer | undefined, anon: number | undefined): string {
  switch (top?.name ?? (anon !== undefined && anon >= 0.8 ? "anon" : undefined)) {
    case "anon":
      return "The memory was anonymous (heap, stacks, native allocations), not page cache.";
    case "file":
      return "Most of it was page cache that could not be reclaimed: dirty pages of heavy writes, or shmem/tmpfs (an emptyDir with medium Memory and /dev/shm count here).";
    case "sock":
      return "Most of it was socket buffers (sock): many connections or unread receive queues. Look at the pod's sockets (ss -tm in its network namespace) for peers that do not read, or cap buffers (net.ipv4.tcp_rmem/tcp_wmem).";
    case "kernel":
      return "Most of it was kernel memory charged to the cgroup (slab such as dentries and inodes, page tables, kernel stacks): many files, processes or threads.";
    default:
      return "";
  }
}

function oomFinding(
  ev: MatchedOomKill,
  all: MatchedOomKill[],
  data: MemoryEvidence,
  context: AnalysisContext,
): Finding {
  const victim = ev.victim ? `${ev.victim.name} (pid ${ev.victim.pid})` : "a process";
  const anon = anonShareOfOomKill(ev);
  const consumers = consumersOf(ev);
  const usedText = consumersText(consumers, anon);
  const earlier = all.length > 1 ? ` (${all.length} OOM kills recorded for this cgroup)` : "";
  const when = ev.time ? ` at ${ev.time}` : "";
  const limit = oomLimitOf(ev);
  const group = ev.groupKill;
  const groupText = group
    ? `; memory.oom.group killed all ${Math.max(group.victims.length, 1)} tasks of ${group.cgroup} (${[
        ...new Set(group.victims.map((v) => v.name)),
      ]
        .slice(0, 5)
        .join(", ")})`
    : "";
  const evidence: Record<string, unknown> = {
    victim: ev.victim,
    constraint: ev.constraint,
    oomMemcg: ev.oomMemcg,
    taskMemcg: ev.taskMemcg,
    limitLevel: limit.level,
    limitCgroup: limit.cgroup,
    matchedBy: ev.matchedBy,
    usageBytes: ev.memcgUsageKb === undefined ? undefined : ev.memcgUsageKb * 1024,
    limitBytes: ev.memcgLimitKb === undefined ? undefined : ev.memcgLimitKb * 1024,
    failcnt: ev.memcgFailcnt,
    largestConsumers: consumers.length > 0 ? consumers : undefined,
    anonShare: anon === undefined ? undefined : Math.round(anon * 1000) / 1000,
    groupKill: group,
    time: ev.time,
    oomKillsRecorded: all.length,
    oomKillCounter: data.cgroup?.events.oomKill,
    kernelLines: ev.lines.filter((l) => !/^\[\s*\d+\]/.test(l)).slice(0, 8),
  };
  const heapHint = isJvmTarget(context)
    ? " The target runs a JVM: size its heap to the limit (see the jvm findings)."
    : "";
  const usage =
    ev.memcgUsageKb !== undefined && ev.memcgLimitKb !== undefined
      ? ` at ${size(ev.memcgUsageKb * 1024)} usage ${ev.memcgUsageKb >= ev.memcgLimitKb ? "=" : "of"} limit ${size(ev.memcgLimitKb * 1024)}`
      : "";
  const advice = consumerAdvice(consumers[0], anon);
  const lead = advice ? `${advice} ` : "";
  const base = { check: "memory" as const, severity: "Critical" as const, evidence };
  const taskPath = ev.taskMemcg ?? "";
  const bestEffort = /besteffort/i.test(taskPath)
    ? " The victim is in a BestEffort pod (no memory request or limit), which the kernel kills first."
    : "";
  switch (limit.level) {
    case "node":
      return {
        ...base,
        code: "OOMKilledByNode",
        summary: `OOM-killed by the node, not by a cgroup limit: ${victim}, constraint ${ev.constraint ?? "none"} (the whole node ran out of memory)${usedText}${when}${earlier}${groupText}`,
        remediation:
          "The node ran out of memory as a whole, outside any cgroup limit: the kubelet did not evict in time. Set memory requests equal to limits for this workload (Guaranteed QoS), put limits on the pods without one, reserve memory for the system (kube-reserved, system-reserved) and raise the hard eviction threshold (evictionHard memory.available) so the kubelet evicts before the kernel kills; or add node memory.",
      };
    case "nodeAllocatable":
      return {
        ...base,
        code: "OOMKilledByCgroup",
        summary: `OOM-killed at the node-allocatable limit (${limit.cgroup}: all pods on the node together), not at this container's own limit: ${victim}${usage}${usedText}${when}${earlier}${groupText}`,
        remediation: `All pods on this node together used the memory the kubelet gives pods (node capacity minus kube-reserved, system-reserved and the hard eviction threshold); raising this container's limit does not help.${bestEffort} Set memory requests and limits on the pods of this node so the scheduler does not overcommit it (kubectl describe node: Allocated resources; kubectl top pod -A --sort-by=memory for the largest), let the kubelet evict before the kernel kills (a higher evictionHard memory.available or soft eviction thresholds), review kube-reserved/system-reserved, or use nodes with more memory.`,
      };
    case "qosClass":
      return {
        ...base,
        code: "OOMKilledByCgroup",
        summary: `OOM-killed at the QoS-class limit (${limit.cgroup}: all pods of that class on the node together), not at this container's own limit: ${victim}${usage}${usedText}${when}${earlier}${groupText}`,
        remediation: `The kubelet limits each QoS class (qos-reserved / node allocatable) and the pods of this class together reached it; raising this container's limit does not help.${bestEffort} Give the pods of this node memory requests that match their use (a Guaranteed or Burstable pod with an honest request is protected), move memory-hungry pods elsewhere, or use nodes with more memory.`,
      };
    case "pod":
      return {
        ...base,
        code: "OOMKilledByCgroup",
        summary: `OOM-killed at the pod's memory limit (${limit.cgroup}: all containers of the pod together), not at this container's own limit: ${victim}${usage}${usedText}${when}${earlier}${groupText}`,
        remediation: `${lead}The pod's limit is the sum of its containers' limits (or its pod-level resources): one container grew into the others' share. The task table (evidence) shows which processes held the memory: raise the limit of the container that grew, or make it use less.${heapHint}`,
      };
    case "parentCgroup":
      return {
        ...base,
        code: "OOMKilledByCgroup",
        summary: `OOM-killed at the limit of a parent cgroup (${limit.cgroup}), not at its own (${taskPath}): ${victim}${usage}${usedText}${when}${earlier}${groupText}`,
        remediation: `${lead}Everything under ${limit.cgroup} together reached its limit (for example a kube-reserved or system-reserved slice enforced by the kubelet, or a systemd slice's MemoryMax). Raise that slice's limit (kubeReserved/systemReserved, MemoryMax=) or find which of its services grew.`,
      };
    default: {
      const via = ev.matchedBy === "pod" ? " (a previous instance of this container)" : "";
      return {
        ...base,
        code: "OOMKilledByCgroup",
        summary: `OOM-killed by its cgroup: ${victim}${via}${usage}${usedText}${when}${earlier}${groupText}`,
        remediation: `${lead}Raise the container's memory limit above its peak, or make the process use less.${heapHint}`,
      };
    }
  }
}

export function analyzeMemory(
  data: MemoryEvidence,
  context: AnalysisContext = { results: {} },
): Finding[] {
  const findings: Finding[] = [];
  const cg = data.cgroup;
  const kills = data.kernelLog.oomKills;
  const latest = kills.at(-1);
  if (latest) {
    findings.push(oomFinding(latest, kills, data, context));
    // A node-wide kill and a memcg kill are different stories: report the other kind too.
    const otherKind = [...kills].reverse().find((k) => k.kind !== latest.kind);
    if (otherKind) findings.push(oomFinding(otherKind, kills, data, context));
  } else if ((cg?.events.oomKill ?? 0) > 0) {
    // cgroup v2 counts "oom" only when this cgroup's own limit was hit, "oom_kill" for any kill
    // of its tasks: kills without an own OOM came from a limit above (pod, node allocatable, node).
    const above = cg!.cgroupVersion === 2 && cg!.events.oom === 0;
    const log = `the kernel log no longer holds the record${data.kernelLog.unavailable ? ` (${data.kernelLog.unavailable})` : ""}`;
    findings.push({
      check: "memory",
      severity: "Critical",
      code: "OOMKilledByCgroup",
      summary: above
        ? `OOM-killed by a limit above this container: memory.events counts ${cg!.events.oomKill} oom_kill and no oom of its own (limit ${cg!.limitBytes === undefined ? "none" : size(cg!.limitBytes)} not reached); ${log}`
        : `OOM-killed by its cgroup: the cgroup counts ${cg!.events.oomKill} OOM kill(s) (limit ${cg!.limitBytes === undefined ? "none" : size(cg!.limitBytes)}); ${log}`,
      evidence: {
        oomKillCounter: cg!.events.oomKill,
        oomCounter: cg!.events.oom,
        limitLevel: above ? "aboveContainer" : "container",
        limitBytes: cg!.limitBytes,
        maxUsageBytes: cg!.maxUsageBytes,
        failcnt: cg!.failcnt,
      },
      remediation: above
        ? "The pod's limit, node allocatable (all pods together) or the whole node ran out, not this container's limit: compare the pod's and kubepods' memory.events, set requests and limits on the node's pods, and let the kubelet evict before the kernel kills (eviction thresholds, kube-reserved); raising this container's limit does not help."
        : "Raise the container's memory limit above its peak, or make the process use less.",
    });
  }

  if (cg?.limitBytes !== undefined && cg.workingSetBytes !== undefined) {
    const ratio = cg.workingSetBytes / cg.limitBytes;
    if (ratio >= MEMORY_THRESHOLDS.nearLimitRatio) {
      const anon = cg.anonBytes;
      findings.push({
        check: "memory",
        severity: "Warning",
        code: "MemoryNearLimit",
        summary: `Memory working set ${size(cg.workingSetBytes)} is ${percent(cg.workingSetBytes, cg.limitBytes)}% of the ${size(cg.limitBytes)} limit${anon !== undefined ? ` (anon ${size(anon)})` : ""}`,
        evidence: {
          workingSetBytes: cg.workingSetBytes,
          usageBytes: cg.usageBytes,
          limitBytes: cg.limitBytes,
          anonBytes: cg.anonBytes,
          fileBytes: cg.fileBytes,
          maxUsageBytes: cg.maxUsageBytes,
          failcnt: cg.failcnt,
        },
        remediation:
          "The next allocation burst will be OOM-killed: raise the memory limit or reduce the process's footprint.",
      });
    }
  }

  if (findings.length === 0 && cg && !data.kernelLog.unavailable) {
    findings.push({
      check: "memory",
      severity: "Info",
      code: "NoOomKill",
      summary: `No OOM kill recorded for this cgroup (kernel log and oom_kill counter); usage ${cg.usageBytes === undefined ? "?" : size(cg.usageBytes)} of ${cg.limitBytes === undefined ? "no limit" : size(cg.limitBytes)}. An exit code 137 here was a SIGKILL from outside the OOM killer (liveness probe, eviction, docker kill, kill -9).`,
      evidence: {
        usageBytes: cg.usageBytes,
        limitBytes: cg.limitBytes,
        maxUsageBytes: cg.maxUsageBytes,
        oomKillCounter: cg.events.oomKill,
        otherOomKillsOnNode: data.kernelLog.otherOomKills,
      },
    });
  }
  return findings;
}
