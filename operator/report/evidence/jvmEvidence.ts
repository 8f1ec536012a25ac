/** Raw evidence of the jvm check (the `checks.jvm.data` of a report) and the types it is made of. */

/** A Java runtime's version, from its `release` file or a version string. */
export interface JavaVersion {
  /** The version string as written, e.g. "17.0.15" or "1.8.0_372". */
  raw: string;
  /** Feature release: 8, 11, 17, 25... */
  major: number;
  /** Update number: 372 for 1.8.0_372, 15 for 17.0.15. */
  update: number;
  implementor?: string;
}

export interface ContainerSupportVerdict {
  /** Whether this JVM sizes itself from the cgroup limit. undefined when the version is unknown. */
  aware?: boolean;
  reason: string;
}

/** What a running JVM says about itself through its perf counters. */
export interface JvmPerfSummary {
  /** Effective maximum heap (what -Xmx/ergonomics resolved to). */
  maxHeapBytes?: number;
  /** Initial (committed at start) heap. */
  initialHeapBytes?: number;
  /** Heap committed now. */
  committedHeapBytes?: number;
  gcPolicy?: string;
  /** Metaspace as a whole (class space included): committed, used, max (MaxMetaspaceSize or reserved). */
  metaspaceCommittedBytes?: number;
  metaspaceUsedBytes?: number;
  metaspaceMaxBytes?: number;
  /** The compressed class space, a part of metaspace. */
  compressedClassCommittedBytes?: number;
  compressedClassUsedBytes?: number;
  compressedClassMaxBytes?: number;
  /** Compiled code in the code cache (sun.ci.nmethodSize), when published. */
  codeCacheUsedBytes?: number;
  liveThreads?: number;
  /** Classes loaded so far (java.cls.loadedClasses). */
  loadedClasses?: number;
  /** Share of the JVM's uptime spent in its collectors' pauses and cycles, in percent. */
  gcTimePercent?: number;
  uptimeSeconds?: number;
  javaVersion?: string;
  vmVersion?: string;
  javaHome?: string;
  vmArgs?: string;
  vmFlags?: string;
  javaCommand?: string;
}

export type JvmFlagOrigin =
  | "JAVA_TOOL_OPTIONS"
  | "JDK_JAVA_OPTIONS"
  | "cmdline"
  | "JAVA_OPTS"
  | "CATALINA_OPTS"
  | "_JAVA_OPTIONS";

export interface JvmFlagSource {
  origin: JvmFlagOrigin;
  /** The flag as written, e.g. "-Xmx1g". */
  flag: string;
}

export interface JvmFlagSettings {
  maxHeapBytes?: number;
  initialHeapBytes?: number;
  maxRamPercentage?: number;
  initialRamPercentage?: number;
  minRamPercentage?: number;
  /** -XX:MaxRAM: the RAM size the JVM assumes when sizing its heap. */
  maxRamBytes?: number;
  useContainerSupport?: boolean;
  /** JDK 8u131-8u181 experimental cgroup support (-XX:+UseCGroupMemoryLimitForHeap). */
  useCGroupMemoryLimitForHeap?: boolean;
  maxMetaspaceBytes?: number;
  maxDirectMemoryBytes?: number;
  threadStackBytes?: number;
  reservedCodeCacheBytes?: number;
  compressedClassSpaceBytes?: number;
  /** -XX:-TieredCompilation shrinks the default code cache from 240 MiB to 48 MiB. */
  tieredCompilation?: boolean;
}

export type JvmFlagKey = keyof JvmFlagSettings;

export interface ParsedJvmFlags extends JvmFlagSettings {
  /** Which flag, from where, set each value (the last one that won). */
  sources: Partial<Record<JvmFlagKey, JvmFlagSource>>;
  /** Whether the command line is a `java` launcher invocation. */
  javaLauncher: boolean;
  /** Option variables present in the environment, whether or not they were applied. */
  declared: Partial<Record<JvmFlagOrigin, string>>;
  /** Heap-related flags whose value could not be parsed (the JVM would refuse to start). */
  invalid: JvmFlagSource[];
}

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
  /** Threads of the process (Java and the JVM's own), from /proc/<pid>/status Threads. */
  threads?: number;
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
