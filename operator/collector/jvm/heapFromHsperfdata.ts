import type { JvmPerfSummary } from "../../report/evidence/jvmEvidence.js";
import {
  counterNumber,
  counterString,
  type Hsperfdata,
  parseHsperfdata,
} from "./parseHsperfdata.js";

/**
 * G1, ZGC and Shenandoah report the whole heap as every generation's max capacity (the regions
 * are shared); Serial, Parallel and CMS report disjoint young and old generations that add up.
 */
function generationsAreDisjoint(policy: string | undefined): boolean {
  return policy !== undefined && /MSC|CMS|ParScav|^Copy/.test(policy);
}

/** G1 pads each space's capacity by a word or three (G1MonitoringSupport::pad_capacity). */
function unpad(bytes: number): number {
  const rem = bytes % 4096;
  return rem > 0 && rem < 64 ? bytes - rem : bytes;
}

function generationIndexes(data: Hsperfdata): number[] {
  const out: number[] = [];
  for (let i = 0; data.counters.has(`sun.gc.generation.${i}.maxCapacity`); i++) out.push(i);
  return out;
}

/** The counters summarizeHsperfdata reads: the only ones the jvm check decodes. */
const SUMMARIZED = [
  /^sun\.gc\.generation\.\d+\.(maxCapacity|capacity)$/,
  /^sun\.gc\.generation\.\d+\.space\.\d+\.initCapacity$/,
  /^sun\.gc\.(metaspace|compressedclassspace)\.(capacity|maxCapacity|used)$/,
  /^sun\.gc\.collector\.\d+\.time$/,
  /^sun\.gc\.policy\.name$/,
  /^sun\.ci\.nmethodSize$/,
  /^sun\.os\.hrt\.(ticks|frequency)$/,
  /^java\.threads\.live$/,
  /^java\.cls\.loadedClasses$/,
  /^java\.property\.java\.(version|vm\.version|home)$/,
  /^java\.rt\.(vmArgs|vmFlags)$/,
  /^sun\.rt\.javaCommand$/,
];

export function isSummarizedCounter(name: string): boolean {
  return SUMMARIZED.some((re) => re.test(name));
}

/** Collector pause and cycle time over the uptime; both in hrt ticks (jstat's GCT and Timestamp). */
function gcTime(data: Hsperfdata): { gcTimePercent?: number; uptimeSeconds?: number } {
  const ticks = counterNumber(data, "sun.os.hrt.ticks");
  const hz = counterNumber(data, "sun.os.hrt.frequency");
  if (!ticks || !hz || ticks <= 0 || hz <= 0) return {};
  let gc = 0;
  let any = false;
  for (let i = 0; data.counters.has(`sun.gc.collector.${i}.time`); i++) {
    gc += counterNumber(data, `sun.gc.collector.${i}.time`) ?? 0;
    any = true;
  }
  const uptimeSeconds = Math.round((ticks / hz) * 10) / 10;
  return any
    ? { gcTimePercent: Math.round((gc / ticks) * 1000) / 10, uptimeSeconds }
    : { uptimeSeconds };
}

export function summarizeHsperfdata(data: Hsperfdata): JvmPerfSummary {
  const gcPolicy = counterString(data, "sun.gc.policy.name");
  const gens = generationIndexes(data);
  const field = (g: number, f: string) => counterNumber(data, `sun.gc.generation.${g}.${f}`) ?? 0;
  const spaceInit = (g: number) => {
    let sum = 0;
    for (let s = 0; data.counters.has(`sun.gc.generation.${g}.space.${s}.initCapacity`); s++) {
      sum += unpad(counterNumber(data, `sun.gc.generation.${g}.space.${s}.initCapacity`) ?? 0);
    }
    return sum;
  };
  let maxHeapBytes: number | undefined;
  let committedHeapBytes: number | undefined;
  let initialHeapBytes: number | undefined;
  if (gens.length > 0) {
    const disjoint = generationsAreDisjoint(gcPolicy);
    const maxes = gens.map((g) => unpad(field(g, "maxCapacity")));
    maxHeapBytes = disjoint ? maxes.reduce((a, b) => a + b, 0) : Math.max(...maxes);
    committedHeapBytes = gens.reduce((a, g) => a + unpad(field(g, "capacity")), 0);
    initialHeapBytes = gens.reduce((a, g) => a + spaceInit(g), 0);
    if (!disjoint) initialHeapBytes = Math.min(initialHeapBytes, maxHeapBytes);
  }
  return {
    maxHeapBytes,
    initialHeapBytes,
    committedHeapBytes,
    gcPolicy,
    metaspaceCommittedBytes: counterNumber(data, "sun.gc.metaspace.capacity"),
    metaspaceUsedBytes: counterNumber(data, "sun.gc.metaspace.used"),
    metaspaceMaxBytes: counterNumber(data, "sun.gc.metaspace.maxCapacity"),
    compressedClassCommittedBytes: counterNumber(data, "sun.gc.compressedclassspace.capacity"),
    compressedClassUsedBytes: counterNumber(data, "sun.gc.compressedclassspace.used"),
    compressedClassMaxBytes: counterNumber(data, "sun.gc.compressedclassspace.maxCapacity"),
    codeCacheUsedBytes: counterNumber(data, "sun.ci.nmethodSize"),
    liveThreads: counterNumber(data, "java.threads.live"),
    loadedClasses: counterNumber(data, "java.cls.loadedClasses"),
    ...gcTime(data),
    javaVersion: counterString(data, "java.property.java.version"),
    vmVersion: counterString(data, "java.property.java.vm.version"),
    javaHome: counterString(data, "java.property.java.home"),
    vmArgs: counterString(data, "java.rt.vmArgs"),
    vmFlags: counterString(data, "java.rt.vmFlags"),
    javaCommand: counterString(data, "sun.rt.javaCommand"),
  };
}

/** The summary of a target's hsperfdata bytes, decoding only the counters it reads. */
export function perfSummaryFromHsperfdata(bytes: Uint8Array): JvmPerfSummary {
  return summarizeHsperfdata(parseHsperfdata(bytes, isSummarizedCounter));
}
