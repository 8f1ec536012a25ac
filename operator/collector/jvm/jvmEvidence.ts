import type { ContainerSupportVerdict } from "./containerSupport.js";
import type { JvmPerfSummary } from "./heapFromHsperfdata.js";
import type { JavaVersion } from "./parseJavaRelease.js";
import type { ParsedJvmFlags } from "./parseJvmFlags.js";

/** One JVM process of the target. */
export interface JvmProcessEvidence {
  pid: number;
  /** The pid inside the container's pid namespace (names its hsperfdata file). */
  nsPid?: number;
  exe?: string;
  /** argv, capped. */
  cmdline: string[];
  flags: ParsedJvmFlags;
  version?: JavaVersion;
  /** Where the version came from. */
  versionSource?: "release" | "hsperfdata";
  javaHome?: string;
  containerSupport: ContainerSupportVerdict;
  /** From the JVM's own perf counters: the effective heap limits. */
  perf?: JvmPerfSummary;
  hsperfdataPath?: string;
  /** Why the perf counters could not be read (-XX:-UsePerfData, no /tmp...). */
  perfUnavailable?: string;
  /** Resident set size now, from /proc/<pid>/status VmRSS. */
  rssBytes?: number;
}

export interface JvmEvidence {
  jvms: JvmProcessEvidence[];
  /** The target's cgroup memory limit (undefined = none), for the heap-vs-limit rule. */
  memoryLimitBytes?: number;
  cgroupVersion?: 1 | 2;
  /** MemTotal of the host: what a JVM that ignores cgroups sizes its heap from. */
  hostMemoryBytes?: number;
  /** Processes looked at, for the record. */
  pidsScanned: number;
}
