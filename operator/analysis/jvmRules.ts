import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type { JvmEvidence, JvmProcessEvidence } from "../report/evidence/jvmEvidence.js";
import type { MemoryEvidence } from "../report/evidence/memoryEvidence.js";
import type { AnalysisContext } from "./analysisContext.js";
import { formatMemorySize as size } from "./formatMemorySize.js";

const MiB = 1024 * 1024;

export const JVM_ALLOWANCES = {
  /** Metaspace + compressed class space when the JVM's own counters are not available. */
  metaspaceBytes: 64 * MiB,
  /** Code cache in use, GC data structures, malloc arenas, symbol tables. */
  otherNativeBytes: 64 * MiB,
  /** Stack per thread (default -Xss on 64-bit Linux). */
  stackPerThreadBytes: 1 * MiB,
  threadsIfUnknown: 20,
  /** Largest heap share of the limit recommended, leaving room for the rest. */
  maxHeapShare: 0.75,
};

export interface NonHeapEstimate {
  totalBytes: number;
  metaspaceBytes: number;
  threadStacksBytes: number;
  otherNativeBytes: number;
  directMemoryBytes: number;
}

/** Memory a JVM uses beyond its heap: metaspace, thread stacks, code cache, GC, direct buffers. */
export function estimateNonHeap(jvm: JvmProcessEvidence): NonHeapEstimate {
  const a = JVM_ALLOWANCES;
  const observedMeta =
    (jvm.perf?.metaspaceCommittedBytes ?? 0) + (jvm.perf?.compressedClassCommittedBytes ?? 0);
  const metaspaceBytes = Math.max(observedMeta, jvm.flags.maxMetaspaceBytes ? 0 : a.metaspaceBytes);
  const threads = jvm.perf?.liveThreads ?? a.threadsIfUnknown;
  const threadStacksBytes = threads * (jvm.flags.threadStackBytes ?? a.stackPerThreadBytes);
  const directMemoryBytes = jvm.flags.maxDirectMemoryBytes ?? 0;
  const otherNativeBytes = a.otherNativeBytes;
  return {
    totalBytes: metaspaceBytes + threadStacksBytes + otherNativeBytes + directMemoryBytes,
    metaspaceBytes,
    threadStacksBytes,
    otherNativeBytes,
    directMemoryBytes,
  };
}

interface EffectiveHeap {
  bytes: number;
  source: string;
}

/** The max heap: what the running JVM reports, else its flags, else the ergonomic default. */
export function effectiveMaxHeap(
  jvm: JvmProcessEvidence,
  limitBytes: number | undefined,
  hostMemoryBytes?: number,
): EffectiveHeap | undefined {
  if (jvm.perf?.maxHeapBytes)
    return { bytes: jvm.perf.maxHeapBytes, source: "the JVM's perf counters (hsperfdata)" };
  const f = jvm.flags;
  if (f.maxHeapBytes !== undefined) {
    const s = f.sources.maxHeapBytes;
    return { bytes: f.maxHeapBytes, source: s ? `${s.flag} (${s.origin})` : "flags" };
  }
  // Without a heap flag the JVM takes MaxRAMPercentage (default 25) of the RAM it sees: the cgroup
  // limit when container aware, the host's RAM otherwise; -XX:MaxRAM caps what it sees.
  const pct = f.maxRamPercentage ?? 25;
  const seen = (ram: number) => Math.min(ram, f.maxRamBytes ?? ram);
  if (jvm.containerSupport.aware && limitBytes !== undefined) {
    return {
      bytes: Math.floor((seen(limitBytes) * pct) / 100),
      source: `MaxRAMPercentage=${pct} of the cgroup limit`,
    };
  }
  if (jvm.containerSupport.aware === false && hostMemoryBytes !== undefined) {
    return {
      bytes: Math.floor((seen(hostMemoryBytes) * pct) / 100),
      source: `MaxRAMPercentage=${pct} of the host's RAM (the JVM does not see the cgroup limit)`,
    };
  }
  return undefined;
}

/** A heap that leaves room for non-heap memory under the limit, in whole MiB. */
export function recommendHeap(
  limitBytes: number,
  nonHeapBytes: number,
): { xmxMiB: number; maxRamPercentage: number } {
  const byShare = limitBytes * JVM_ALLOWANCES.maxHeapShare;
  const byRoom = limitBytes - nonHeapBytes;
  const xmxMiB = Math.max(16, Math.floor(Math.min(byShare, byRoom) / MiB));
  const maxRamPercentage = Math.max(1, Math.floor(((xmxMiB * MiB) / limitBytes) * 100));
  return { xmxMiB, maxRamPercentage };
}

function limitOf(data: JvmEvidence, context: AnalysisContext): number | undefined {
  if (data.memoryLimitBytes !== undefined) return data.memoryLimitBytes;
  const mem = context.results.memory as MemoryEvidence | undefined;
  return mem?.cgroup?.limitBytes;
}

function label(jvm: JvmProcessEvidence): string {
  const v = jvm.version ? `Java ${jvm.version.raw}` : "JVM";
  return `${v} (pid ${jvm.pid})`;
}

export function analyzeJvm(
  data: JvmEvidence,
  context: AnalysisContext = { results: {} },
): Finding[] {
  const findings: Finding[] = [];
  const limit = limitOf(data, context);
  for (const jvm of data.jvms) {
    const heap = effectiveMaxHeap(jvm, limit, data.hostMemoryBytes);
    const nonHeap = estimateNonHeap(jvm);
    const versionNote = jvm.containerSupport.reason;
    if (heap && limit !== undefined) {
      const footprint = heap.bytes + nonHeap.totalBytes;
      const evidence = {
        pid: jvm.pid,
        maxHeapBytes: heap.bytes,
        maxHeapSource: heap.source,
        initialHeapBytes: jvm.perf?.initialHeapBytes ?? jvm.flags.initialHeapBytes,
        limitBytes: limit,
        nonHeapEstimateBytes: nonHeap.totalBytes,
        nonHeap,
        rssBytes: jvm.rssBytes,
        javaVersion: jvm.version?.raw,
        containerAware: jvm.containerSupport.aware,
        flagSources: jvm.flags.sources,
        vmArgs: jvm.perf?.vmArgs,
      };
      if (footprint > limit) {
        const rec = recommendHeap(limit, nonHeap.totalBytes);
        const explicit = jvm.flags.maxHeapBytes !== undefined;
        const how = explicit
          ? `set by ${jvm.flags.sources.maxHeapBytes?.flag ?? "-Xmx"}`
          : jvm.containerSupport.aware === false
            ? "sized from the host's RAM, not the cgroup limit"
            : "from ergonomics";
        findings.push({
          check: "jvm",
          severity: heap.bytes >= limit ? "Critical" : "Warning",
          code: "JvmHeapExceedsLimit",
          summary: `${label(jvm)} max heap ${size(heap.bytes)} (${how}) + ~${size(nonHeap.totalBytes)} non-heap exceeds the cgroup memory limit ${size(limit)}: the kernel OOM-kills it before the GC has to collect.${explicit ? "" : ` ${versionNote}.`}`,
          evidence,
          remediation: `For this ${size(limit)} limit set -Xmx${rec.xmxMiB}m (and -Xms at most that), or on a container-aware JVM drop -Xmx and use -XX:MaxRAMPercentage=${rec.maxRamPercentage}; or raise the memory limit to at least ${size(Math.ceil(footprint / MiB) * MiB)}.${jvm.containerSupport.aware === false ? " This JVM ignores cgroup limits: MaxRAMPercentage would apply to the host's RAM, so use -Xmx (or upgrade to JDK 11.0.16+/17+)." : ""}`,
        });
      } else {
        findings.push({
          check: "jvm",
          severity: "Info",
          code: "JvmHeapWithinLimit",
          summary: `${label(jvm)} max heap ${size(heap.bytes)} + ~${size(nonHeap.totalBytes)} non-heap fits the ${size(limit)} limit`,
          evidence,
        });
      }
    }
    if (jvm.containerSupport.aware === false) {
      const explicit = jvm.flags.maxHeapBytes !== undefined;
      findings.push({
        check: "jvm",
        severity: explicit ? "Info" : "Warning",
        code: "JvmNotContainerAware",
        summary: `${label(jvm)} is not container aware: ${versionNote}${explicit ? "; its heap is set explicitly, so only CPU count and other ergonomics are affected" : ""}`,
        evidence: {
          pid: jvm.pid,
          javaVersion: jvm.version?.raw,
          versionSource: jvm.versionSource,
          useContainerSupport: jvm.flags.useContainerSupport,
          cgroupVersion: data.cgroupVersion,
        },
        remediation:
          jvm.flags.useContainerSupport === false
            ? "Remove -XX:-UseContainerSupport, or size the heap explicitly with -Xmx."
            : "Upgrade to a container-aware JDK (8u372+, 11.0.16+, 17+; 8u191+ and 11 suffice on cgroup v1), or size the heap explicitly with -Xmx.",
      });
    }
    if (jvm.flags.invalid.length > 0) {
      findings.push({
        check: "jvm",
        severity: "Warning",
        code: "JvmInvalidHeapFlag",
        summary: `${label(jvm)} has heap flags the JVM cannot parse: ${jvm.flags.invalid.map((i) => `${i.flag} (${i.origin})`).join(", ")}`,
        evidence: { pid: jvm.pid, invalid: jvm.flags.invalid },
      });
    }
  }
  return findings;
}
