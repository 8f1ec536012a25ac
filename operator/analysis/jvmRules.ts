import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type { JvmEvidence, JvmProcessEvidence } from "../report/evidence/jvmEvidence.js";
import type { MemoryEvidence } from "../report/evidence/memoryEvidence.js";
import type { AnalysisContext } from "./analysisContext.js";
import { formatMemorySize as size } from "./formatMemorySize.js";
import {
  type FootprintPart,
  type JvmFootprint,
  jvmFootprint,
  planFlags,
  planFootprint,
} from "./jvmFootprint.js";

const MiB = 1024 * 1024;

export const JVM_ALLOWANCES = {
  /** Largest heap share of the limit recommended, leaving room for the rest (pod-spec rules). */
  maxHeapShare: 0.75,
};

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

function limitOf(data: JvmEvidence, context: AnalysisContext): number | undefined {
  if (data.memoryLimitBytes !== undefined) return data.memoryLimitBytes;
  const mem = context.results.memory as MemoryEvidence | undefined;
  return mem?.cgroup?.limitBytes;
}

function label(jvm: JvmProcessEvidence): string {
  const v = jvm.version ? `Java ${jvm.version.raw}` : "JVM";
  return `${v} (pid ${jvm.pid})`;
}

/** Whether the memory check saw this cgroup OOM-kill something. */
function oomKilled(context: AnalysisContext): boolean {
  const mem = context.results.memory as MemoryEvidence | undefined;
  return (mem?.kernelLog?.oomKills?.length ?? 0) > 0 || (mem?.cgroup?.events?.oomKill ?? 0) > 0;
}

function partText(p: FootprintPart): string {
  return `${p.label.replace(/ \(.*\)$/, "").toLowerCase()} ${size(p.bytes)} (${p.source})`;
}

/** The non-heap parts that weigh most, for a summary. */
function largestNonHeap(fp: JvmFootprint, n: number): string {
  return fp.parts
    .filter((p) => p.part !== "heap")
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n)
    .map(partText)
    .join(", ");
}

function gcNote(jvm: JvmProcessEvidence): string {
  const p = jvm.perf;
  // Worth a word only when it is noticeable; the evidence always has it.
  return p?.gcTimePercent !== undefined && p.gcTimePercent >= 1 && p.uptimeSeconds !== undefined
    ? `; GC took ${p.gcTimePercent}% of its ${p.uptimeSeconds}s uptime`
    : "";
}

export function analyzeJvm(
  data: JvmEvidence,
  context: AnalysisContext = { results: {} },
): Finding[] {
  const findings: Finding[] = [];
  const limit = limitOf(data, context);
  const killed = oomKilled(context);
  for (const jvm of data.jvms) {
    const heap = effectiveMaxHeap(jvm, limit, data.hostMemoryBytes);
    const versionNote = jvm.containerSupport.reason;
    if (heap && limit !== undefined) {
      const fp = jvmFootprint(jvm, heap);
      const direct = fp.parts.find((p) => p.part === "directMemory")?.bytes ?? 0;
      // A direct-memory ceiling nobody set is the JVM's default (the heap), not a sizing choice.
      const setTotal = fp.totalBytes - (fp.directMemoryDefaulted ? direct : 0);
      const plan = planFootprint(limit, fp);
      const raise = `raise the memory limit to at least ${size(Math.ceil(fp.totalBytes / MiB) * MiB)}`;
      const evidence = {
        pid: jvm.pid,
        maxHeapBytes: heap.bytes,
        maxHeapSource: heap.source,
        initialHeapBytes: jvm.perf?.initialHeapBytes ?? jvm.flags.initialHeapBytes,
        limitBytes: limit,
        footprintBytes: fp.totalBytes,
        parts: fp.parts,
        gcTimePercent: fp.gcTimePercent,
        threads: jvm.threads,
        rssBytes: jvm.rssBytes,
        javaVersion: jvm.version?.raw,
        containerAware: jvm.containerSupport.aware,
        flagSources: jvm.flags.sources,
        vmArgs: jvm.perf?.vmArgs,
      };
      if (heap.bytes >= limit) {
        const explicit = jvm.flags.maxHeapBytes !== undefined;
        const how = explicit
          ? `set by ${jvm.flags.sources.maxHeapBytes?.flag ?? "-Xmx"}`
          : jvm.containerSupport.aware === false
            ? "sized from the host's RAM, not the cgroup limit"
            : "from ergonomics";
        const pct = Math.max(1, Math.floor(((plan.xmxMiB * MiB) / limit) * 100));
        findings.push({
          check: "jvm",
          severity: "Critical",
          code: "JvmHeapExceedsLimit",
          summary: `${label(jvm)} max heap ${size(heap.bytes)} (${how}) + ~${size(setTotal - heap.bytes)} non-heap exceeds the cgroup memory limit ${size(limit)}: the kernel OOM-kills it before the GC has to collect.${explicit ? "" : ` ${versionNote}.`}`,
          evidence,
          remediation: plan.tooSmall
            ? `The ${size(limit)} limit cannot hold this JVM's non-heap memory and a heap: ${raise}.`
            : `For this ${size(limit)} limit set ${planFlags(plan)} (and -Xms at most the -Xmx), or on a container-aware JVM drop -Xmx and use -XX:MaxRAMPercentage=${pct}; or ${raise}.${jvm.containerSupport.aware === false ? " This JVM ignores cgroup limits: MaxRAMPercentage would apply to the host's RAM, so use -Xmx (or upgrade to JDK 11.0.16+/17+)." : ""}`,
        });
      } else if (setTotal > limit || (fp.totalBytes > limit && killed)) {
        findings.push({
          check: "jvm",
          severity: killed ? "Critical" : "Warning",
          code: "JvmFootprintExceedsLimit",
          summary: `${label(jvm)} max heap ${size(heap.bytes)} fits the ${size(limit)} limit, but the whole JVM can take ${size(fp.totalBytes)}: ${largestNonHeap(fp, 3)}${gcNote(jvm)}${killed ? "; this cgroup has OOM-killed already" : ""}`,
          evidence,
          remediation: plan.tooSmall
            ? `The ${size(limit)} limit cannot hold this JVM's non-heap memory and a heap: ${raise}, or run fewer threads.`
            : `Size every part for the ${size(limit)} limit: ${planFlags(plan)} (${plan.threads} threads); or ${raise}.`,
        });
      } else {
        const directNote =
          fp.totalBytes > limit
            ? `; direct buffers may take up to the heap's size again (the default), which would not fit: bound them with -XX:MaxDirectMemorySize=${plan.maxDirectMemoryMiB}m`
            : "";
        findings.push({
          check: "jvm",
          severity: "Info",
          code: "JvmHeapWithinLimit",
          summary: `${label(jvm)} max heap ${size(heap.bytes)} + up to ${size(setTotal - heap.bytes)} non-heap fits the ${size(limit)} limit${gcNote(jvm)}${directNote}`,
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
