import type { JvmPerfSummary } from "../../report/evidence/jvmEvidence.js";
import {
  type CounterNames,
  counterNumber,
  counterString,
  type Hsperfdata,
  parseHsperfdata,
} from "./parseHsperfdata.js";

/**
 * Every counter summarizeHsperfdata reads, and nothing else is decoded from the target's file.
 * A counter used below but missing here reads as absent (the fixture test compares against a
 * full decode and catches it). `*` is one decimal index.
 */
export const SUMMARY_COUNTERS: CounterNames = [
  "sun.gc.policy.name",
  "sun.gc.generation.*.maxCapacity",
  "sun.gc.generation.*.capacity",
  "sun.gc.generation.*.space.*.initCapacity",
  "sun.gc.metaspace.capacity",
  "sun.gc.compressedclassspace.capacity",
  "java.threads.live",
  "java.property.java.version",
  "java.property.java.vm.version",
  "java.property.java.home",
  "java.rt.vmArgs",
  "java.rt.vmFlags",
  "sun.rt.javaCommand",
];

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
    compressedClassCommittedBytes: counterNumber(data, "sun.gc.compressedclassspace.capacity"),
    liveThreads: counterNumber(data, "java.threads.live"),
    javaVersion: counterString(data, "java.property.java.version"),
    vmVersion: counterString(data, "java.property.java.vm.version"),
    javaHome: counterString(data, "java.property.java.home"),
    vmArgs: counterString(data, "java.rt.vmArgs"),
    vmFlags: counterString(data, "java.rt.vmFlags"),
    javaCommand: counterString(data, "sun.rt.javaCommand"),
  };
}

/** The summary of a target's hsperfdata bytes, decoding only SUMMARY_COUNTERS. */
export function perfSummaryFromHsperfdata(bytes: Uint8Array): JvmPerfSummary {
  return summarizeHsperfdata(parseHsperfdata(bytes, SUMMARY_COUNTERS));
}
