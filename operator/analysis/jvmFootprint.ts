/**
 * The whole memory a JVM can take, part by part, from what the collector read without attaching
 * (the hsperfdata counters, the flags, /proc): the heap, metaspace and the compressed class
 * space, the code cache, thread stacks, direct buffers, and GC structures plus other native
 * memory. Each part says where its number comes from. When a flag is absent the part takes the
 * JVM's own default, computed as HotSpot does; a size set by nobody and published by no counter
 * is an estimate and says so. Pure.
 */
import type { JvmProcessEvidence } from "../report/evidence/jvmEvidence.js";
import { formatMemorySize as size } from "./formatMemorySize.js";

const MiB = 1024 * 1024;

export const JVM_DEFAULTS = {
  /** -Xss / ThreadStackSize on 64-bit Linux (x86_64 and aarch64). */
  threadStackBytes: 1 * MiB,
  /** ReservedCodeCacheSize with tiered compilation (the default since JDK 8). */
  reservedCodeCacheBytes: 240 * MiB,
  /** ReservedCodeCacheSize with -XX:-TieredCompilation. */
  reservedCodeCacheNonTieredBytes: 48 * MiB,
  /** Metaspace committed when no counters are published (-XX:-UsePerfData). */
  metaspaceEstimateBytes: 64 * MiB,
  /** Metaspace per loaded class and fixed, as the Paketo memory calculator estimates it. */
  metaspacePerClassBytes: 5800,
  metaspaceFixedBytes: 14_000_000,
  /** Threads assumed when neither /proc nor the counters count them. */
  threadsIfUnknown: 20,
  /** Other native memory: symbol tables, malloc arenas, the JVM's own libraries. */
  otherNativeBytes: 32 * MiB,
  /** GC data structures (mark bitmaps, card table, remembered sets) as a share of the heap. */
  gcStructuresShareOfHeap: 1 / 32,
};

export type FootprintPartName =
  | "heap"
  | "metaspace"
  | "compressedClassSpace"
  | "codeCache"
  | "threadStacks"
  | "directMemory"
  | "gcAndOther";

export interface FootprintPart {
  part: FootprintPartName;
  label: string;
  /** What the part adds to the footprint. */
  bytes: number;
  /** Where `bytes` comes from: a flag as written, "default ...", "counter ...", "estimate ...". */
  source: string;
  /** In use now, when a counter publishes it. */
  usedBytes?: number;
  /** The part's ceiling, when it differs from `bytes` (a reservation, MaxMetaspaceSize). */
  maxBytes?: number;
  /** Thread stacks: the thread count and the stack size. */
  threads?: number;
  stackBytes?: number;
}

export interface JvmFootprint {
  parts: FootprintPart[];
  totalBytes: number;
  /** Direct memory was not set: its ceiling is the JVM's default, the max heap. */
  directMemoryDefaulted: boolean;
  gcTimePercent?: number;
}

function flagSource(jvm: JvmProcessEvidence, key: keyof JvmProcessEvidence["flags"]["sources"]) {
  const s = jvm.flags.sources[key];
  if (!s) return undefined;
  return `flag ${s.flag} ${s.origin === "cmdline" ? "on the command line" : `in ${s.origin}`}`;
}

function metaspaceParts(jvm: JvmProcessEvidence): FootprintPart[] {
  const p = jvm.perf;
  const maxFlag = flagSource(jvm, "maxMetaspaceBytes");
  // JDK 17's metaspace counters read 0 until the first GC updates them.
  if (!p?.metaspaceCommittedBytes) {
    if (jvm.flags.maxMetaspaceBytes !== undefined)
      return [
        {
          part: "metaspace",
          label: "Metaspace",
          bytes: jvm.flags.maxMetaspaceBytes,
          source: maxFlag ?? "flag",
        },
      ];
    if (p?.loadedClasses) {
      const d = JVM_DEFAULTS;
      return [
        {
          part: "metaspace",
          label: "Metaspace",
          bytes: p.loadedClasses * d.metaspacePerClassBytes + d.metaspaceFixedBytes,
          source: `estimate from ${p.loadedClasses} loaded classes (counter java.cls.loadedClasses; the metaspace counters are 0 until the first GC)`,
        },
      ];
    }
    return [
      {
        part: "metaspace",
        label: "Metaspace",
        bytes: JVM_DEFAULTS.metaspaceEstimateBytes,
        source: `estimate ${size(JVM_DEFAULTS.metaspaceEstimateBytes)} (no perf counters)`,
      },
    ];
  }
  // sun.gc.metaspace.* counts all of metaspace; the class space is a part of it.
  const ccsCommitted = p.compressedClassCommittedBytes ?? 0;
  const meta: FootprintPart = {
    part: "metaspace",
    label: "Metaspace (classes' metadata)",
    bytes: Math.max(0, p.metaspaceCommittedBytes - ccsCommitted),
    source: "counter sun.gc.metaspace.capacity (committed)",
  };
  if (p.metaspaceUsedBytes !== undefined)
    meta.usedBytes = Math.max(0, p.metaspaceUsedBytes - (p.compressedClassUsedBytes ?? 0));
  const metaMax = jvm.flags.maxMetaspaceBytes ?? p.metaspaceMaxBytes;
  if (metaMax !== undefined) meta.maxBytes = metaMax;
  const parts = [meta];
  if (p.compressedClassCommittedBytes !== undefined) {
    const ccs: FootprintPart = {
      part: "compressedClassSpace",
      label: "Compressed class space",
      bytes: ccsCommitted,
      source: "counter sun.gc.compressedclassspace.capacity (committed)",
    };
    if (p.compressedClassUsedBytes !== undefined) ccs.usedBytes = p.compressedClassUsedBytes;
    const ccsMax = jvm.flags.compressedClassSpaceBytes ?? p.compressedClassMaxBytes;
    if (ccsMax !== undefined) ccs.maxBytes = ccsMax;
    parts.push(ccs);
  }
  return parts;
}

function codeCachePart(jvm: JvmProcessEvidence): FootprintPart {
  const f = jvm.flags;
  const bytes =
    f.reservedCodeCacheBytes ??
    (f.tieredCompilation === false
      ? JVM_DEFAULTS.reservedCodeCacheNonTieredBytes
      : JVM_DEFAULTS.reservedCodeCacheBytes);
  const part: FootprintPart = {
    part: "codeCache",
    label: "Code cache (reserved)",
    bytes,
    source:
      flagSource(jvm, "reservedCodeCacheBytes") ??
      (f.tieredCompilation === false
        ? "default ReservedCodeCacheSize without tiered compilation"
        : "default ReservedCodeCacheSize (tiered compilation)"),
  };
  if (jvm.perf?.codeCacheUsedBytes !== undefined) part.usedBytes = jvm.perf.codeCacheUsedBytes;
  return part;
}

function threadStacksPart(jvm: JvmProcessEvidence): FootprintPart {
  const stackBytes = jvm.flags.threadStackBytes ?? JVM_DEFAULTS.threadStackBytes;
  const counted =
    jvm.threads !== undefined
      ? { n: jvm.threads, from: `/proc/${jvm.pid}/status` }
      : jvm.perf?.liveThreads !== undefined
        ? { n: jvm.perf.liveThreads, from: "counter java.threads.live" }
        : { n: JVM_DEFAULTS.threadsIfUnknown, from: "estimate" };
  const stackFrom = flagSource(jvm, "threadStackBytes") ?? "default -Xss";
  return {
    part: "threadStacks",
    label: `Thread stacks (${counted.n} threads)`,
    bytes: counted.n * stackBytes,
    source: `${counted.n} threads (${counted.from}) x ${size(stackBytes)} (${stackFrom})`,
    threads: counted.n,
    stackBytes,
  };
}

function directMemoryPart(jvm: JvmProcessEvidence, heapBytes: number): FootprintPart {
  const set = jvm.flags.maxDirectMemoryBytes;
  return set !== undefined
    ? {
        part: "directMemory",
        label: "Direct buffers (max)",
        bytes: set,
        source: flagSource(jvm, "maxDirectMemoryBytes") ?? "flag -XX:MaxDirectMemorySize",
      }
    : {
        part: "directMemory",
        label: "Direct buffers (max)",
        bytes: heapBytes,
        // java.nio's VM.maxDirectMemory(): Runtime.maxMemory() when the flag is not set.
        source: "default MaxDirectMemorySize = the max heap",
      };
}

function gcAndOtherPart(heapBytes: number): FootprintPart {
  const gc = Math.round(heapBytes * JVM_DEFAULTS.gcStructuresShareOfHeap);
  return {
    part: "gcAndOther",
    label: "GC structures and other native",
    bytes: gc + JVM_DEFAULTS.otherNativeBytes,
    source: `estimate: ~3% of the heap for GC structures + ${size(JVM_DEFAULTS.otherNativeBytes)} other native`,
  };
}

export function jvmFootprint(
  jvm: JvmProcessEvidence,
  heap: { bytes: number; source: string },
): JvmFootprint {
  const parts: FootprintPart[] = [
    { part: "heap", label: "Java heap (max)", bytes: heap.bytes, source: heap.source },
    ...metaspaceParts(jvm),
    codeCachePart(jvm),
    threadStacksPart(jvm),
    directMemoryPart(jvm, heap.bytes),
    gcAndOtherPart(heap.bytes),
  ];
  const fp: JvmFootprint = {
    parts,
    totalBytes: parts.reduce((s, p) => s + p.bytes, 0),
    directMemoryDefaulted: jvm.flags.maxDirectMemoryBytes === undefined,
  };
  if (jvm.perf?.gcTimePercent !== undefined) fp.gcTimePercent = jvm.perf.gcTimePercent;
  return fp;
}

/** The parts sized for a limit, each as the flag that sets it, and the heap that remains. */
export interface FootprintPlan {
  xmxMiB: number;
  maxMetaspaceMiB: number;
  reservedCodeCacheMiB: number;
  maxDirectMemoryMiB: number;
  stackKiB: number;
  threads: number;
  /** The limit cannot hold this JVM's non-heap parts and a 16 MiB heap. */
  tooSmall: boolean;
}

const roundUp = (bytes: number, step: number) => Math.ceil(bytes / step) * step;
const toMiB = (bytes: number) => Math.floor(bytes / MiB);

/**
 * A budget in the manner of the Paketo/Cloud Foundry memory calculator: fixed non-heap parts
 * first (metaspace with room to grow, a code cache and direct memory scaled to the limit, the
 * stacks of the threads it runs now), 5% headroom, the heap gets the rest.
 */
export function planFootprint(limitBytes: number, fp: JvmFootprint): FootprintPlan {
  const get = (name: FootprintPartName) => fp.parts.find((p) => p.part === name);
  const tenth = Math.max(16 * MiB, Math.floor(limitBytes / 10 / MiB) * MiB);
  // Room to grow over what the counters show committed; an estimate is taken as it is.
  const meta = get("metaspace");
  const metaNow = (meta?.bytes ?? 0) + (get("compressedClassSpace")?.bytes ?? 0);
  const measured = meta?.usedBytes !== undefined;
  const maxMetaspace = Math.max(32 * MiB, measured ? roundUp(metaNow * 1.5, 16 * MiB) : metaNow);
  const code = get("codeCache")?.bytes ?? JVM_DEFAULTS.reservedCodeCacheBytes;
  const codeCache = Math.min(code, tenth);
  const direct = get("directMemory");
  const directMemory = fp.directMemoryDefaulted
    ? Math.min(64 * MiB, tenth)
    : Math.min(direct?.bytes ?? 0, tenth);
  const stacks = get("threadStacks");
  const threads = stacks?.threads ?? JVM_DEFAULTS.threadsIfUnknown;
  let stack = stacks?.stackBytes ?? JVM_DEFAULTS.threadStackBytes;
  // Many threads in a small limit: smaller stacks before a smaller heap.
  if (threads * stack > limitBytes / 4 && stack > 512 * 1024) stack = 512 * 1024;
  const fixed =
    maxMetaspace + codeCache + directMemory + threads * stack + JVM_DEFAULTS.otherNativeBytes;
  const heap = (limitBytes * 0.95 - fixed) / (1 + JVM_DEFAULTS.gcStructuresShareOfHeap);
  return {
    xmxMiB: Math.max(16, toMiB(heap)),
    maxMetaspaceMiB: toMiB(maxMetaspace),
    reservedCodeCacheMiB: toMiB(codeCache),
    maxDirectMemoryMiB: Math.max(1, toMiB(directMemory)),
    stackKiB: Math.round(stack / 1024),
    threads,
    tooSmall: heap < 16 * MiB,
  };
}

/** The plan as JVM options a person pastes. */
export function planFlags(plan: FootprintPlan): string {
  const stack = plan.stackKiB % 1024 === 0 ? `${plan.stackKiB / 1024}m` : `${plan.stackKiB}k`;
  return [
    `-Xmx${plan.xmxMiB}m`,
    `-XX:MaxMetaspaceSize=${plan.maxMetaspaceMiB}m`,
    `-XX:ReservedCodeCacheSize=${plan.reservedCodeCacheMiB}m`,
    `-XX:MaxDirectMemorySize=${plan.maxDirectMemoryMiB}m`,
    `-Xss${stack}`,
  ].join(" ");
}
