/**
 * Preliminary findings from a pod's spec and status alone, before any collector runs: the memory
 * limit against the JVM flags in the container's env and args, the last termination (exit 137,
 * OOMKilled), restarts. Pure: the operator writes these in milliseconds; the collector's findings
 * refine them later.
 */
import type { V1Container, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import type { Finding } from "../api/v1alpha1/diagnosis.js";
import { rankFindings } from "../report/collectorReport.js";
import { formatMemorySize } from "./formatMemorySize.js";
import { JVM_ALLOWANCES } from "./jvmRules.js";
import { parseJvmFlags } from "./parseJvmFlags.js";
import { parseQuantity } from "./parseQuantity.js";

/** The container to diagnose: the one asked for, else the last one that terminated, else the first. */
export function chooseContainer(pod: V1Pod, requested?: string): V1Container | undefined {
  const containers = pod.spec?.containers ?? [];
  if (requested) return containers.find((c) => c.name === requested);
  let best: { name: string; at: number } | undefined;
  for (const s of pod.status?.containerStatuses ?? []) {
    const t = s.lastState?.terminated ?? s.state?.terminated;
    if (!t) continue;
    const at = t.finishedAt ? new Date(t.finishedAt).getTime() : 0;
    if (!best || at > best.at) best = { name: s.name, at };
  }
  return containers.find((c) => c.name === best?.name) ?? containers[0];
}

function literalEnv(container: V1Container): Record<string, string> {
  const env: Record<string, string> = {};
  // valueFrom (ConfigMaps, Secrets) is not resolved: the operator reads no Secrets.
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** Heap, metaspace, threads and direct buffers all live inside the limit: the share jvmRules keeps. */
const HEAP_SHARE = JVM_ALLOWANCES.maxHeapShare;

function jvmFindings(container: V1Container, limitBytes: number | undefined): Finding[] {
  const cmdline = [...(container.command ?? []), ...(container.args ?? [])];
  const flags = parseJvmFlags(cmdline, literalEnv(container));
  const looksLikeJvm =
    flags.javaLauncher ||
    Object.keys(flags.declared).length > 0 ||
    Object.keys(flags.sources).length > 0;
  if (!looksLikeJvm) return [];
  const out: Finding[] = [];
  const suggested = limitBytes ? Math.floor((limitBytes * HEAP_SHARE) / 2 ** 20) : undefined;
  const fix = suggested
    ? `Set -Xmx${suggested}m (about 75% of the ${formatMemorySize(limitBytes!)} limit), or drop -Xmx and use -XX:MaxRAMPercentage=75 on a container-aware JVM (8u191+, 10+), or raise the memory limit.`
    : undefined;

  for (const bad of flags.invalid) {
    out.push({
      check: "jvm",
      severity: "Warning",
      code: "JvmFlagInvalid",
      summary: `JVM flag ${bad.flag} (from ${bad.origin}) is malformed: the JVM refuses to start with it`,
      evidence: { flag: bad.flag, origin: bad.origin },
      source: "PodSpec",
    });
  }
  if (limitBytes === undefined) {
    out.push({
      check: "memory",
      severity: "Info",
      code: "NoMemoryLimit",
      summary: `container ${container.name} runs a JVM without a memory limit: only node-wide OOM can stop it`,
      remediation: "Set resources.limits.memory and size the heap to about 75% of it.",
      source: "PodSpec",
    });
    return out;
  }
  const heap = flags.maxHeapBytes;
  if (heap !== undefined) {
    const origin = flags.sources.maxHeapBytes;
    const evidence = {
      maxHeapBytes: heap,
      limitBytes,
      flag: origin?.flag,
      origin: origin?.origin,
    };
    const from = origin ? ` (${origin.flag} from ${origin.origin})` : "";
    if (heap >= limitBytes) {
      out.push({
        check: "jvm",
        severity: "Critical",
        code: "JvmHeapExceedsLimit",
        summary: `JVM max heap ${formatMemorySize(heap)}${from} >= memory limit ${formatMemorySize(limitBytes)}: the cgroup OOM-kills the JVM before its heap is full`,
        evidence,
        remediation: fix,
        source: "PodSpec",
      });
    } else if (heap > limitBytes * HEAP_SHARE) {
      out.push({
        check: "jvm",
        severity: "Warning",
        code: "JvmHeapNearLimit",
        summary: `JVM max heap ${formatMemorySize(heap)}${from} leaves ${formatMemorySize(limitBytes - heap)} of the ${formatMemorySize(limitBytes)} limit for metaspace, threads, code cache and direct buffers`,
        evidence,
        remediation: fix,
        source: "PodSpec",
      });
    }
    return out;
  }
  if (flags.useContainerSupport === false) {
    out.push({
      check: "jvm",
      severity: "Critical",
      code: "JvmIgnoresContainerLimit",
      summary: `-XX:-UseContainerSupport without -Xmx: the JVM sizes its heap from the node's RAM, not the ${formatMemorySize(limitBytes)} limit`,
      evidence: { limitBytes, flag: flags.sources.useContainerSupport?.flag },
      remediation: fix,
      source: "PodSpec",
    });
  } else if (flags.maxRamPercentage !== undefined && flags.maxRamPercentage >= 90) {
    const heapBytes = Math.floor((limitBytes * flags.maxRamPercentage) / 100);
    out.push({
      check: "jvm",
      severity: "Warning",
      code: "JvmHeapNearLimit",
      summary: `-XX:MaxRAMPercentage=${flags.maxRamPercentage} gives a ${formatMemorySize(heapBytes)} heap in a ${formatMemorySize(limitBytes)} limit: little room for non-heap memory`,
      evidence: { maxRamPercentage: flags.maxRamPercentage, limitBytes, maxHeapBytes: heapBytes },
      remediation: "Use -XX:MaxRAMPercentage=75 or lower.",
      source: "PodSpec",
    });
  }
  return out;
}

function terminationFindings(status: V1ContainerStatus, limitBytes: number | undefined): Finding[] {
  const t = status.state?.terminated ?? status.lastState?.terminated;
  const out: Finding[] = [];
  if (t) {
    const at = t.finishedAt ? ` at ${new Date(t.finishedAt).toISOString()}` : "";
    const evidence = {
      exitCode: t.exitCode,
      reason: t.reason,
      finishedAt: t.finishedAt ? new Date(t.finishedAt).toISOString() : undefined,
      restartCount: status.restartCount,
      limitBytes,
    };
    if (t.reason === "OOMKilled") {
      out.push({
        check: "memory",
        severity: "Critical",
        code: "ContainerOOMKilled",
        summary: `container ${status.name} was OOM-killed (exit ${t.exitCode}, OOMKilled)${at}${limitBytes ? ` with a ${formatMemorySize(limitBytes)} limit` : ""}; restarts: ${status.restartCount}`,
        evidence,
        source: "PodSpec",
      });
    } else if (t.exitCode === 137) {
      out.push({
        check: "memory",
        severity: "Warning",
        code: "Killed137NotOOM",
        summary: `container ${status.name} exited 137 (SIGKILL)${at} but the kubelet did not report an OOM kill: a liveness-probe kill, eviction, preemption or an external kill; restarts: ${status.restartCount}`,
        evidence,
        source: "PodSpec",
      });
    }
  }
  if (status.state?.waiting?.reason === "CrashLoopBackOff") {
    out.push({
      check: "memory",
      severity: "Warning",
      code: "CrashLoopBackOff",
      summary: `container ${status.name} is in CrashLoopBackOff after ${status.restartCount} restarts`,
      evidence: { restartCount: status.restartCount },
      source: "PodSpec",
    });
  }
  return out;
}

/** Findings for one container of `pod` (source PodSpec), ranked. */
export function podSpecFindings(pod: V1Pod, containerName: string): Finding[] {
  const container = pod.spec?.containers.find((c) => c.name === containerName);
  if (!container) return [];
  const limitBytes = parseQuantity(container.resources?.limits?.memory);
  const status = pod.status?.containerStatuses?.find((s) => s.name === containerName);
  return rankFindings([
    ...(status ? terminationFindings(status, limitBytes) : []),
    ...jvmFindings(container, limitBytes),
  ]);
}
