/** Raw evidence of the memory check (the `checks.memory.data` of a report). */

export interface MemoryCgroupSnapshot {
  cgroupVersion: 1 | 2;
  /** The memory cgroup path (v1 memory controller, or the unified path). */
  path: string;
  /** undefined = no limit. */
  limitBytes?: number;
  usageBytes?: number;
  /** v1 memory.max_usage_in_bytes, v2 memory.peak (5.19+). */
  maxUsageBytes?: number;
  /** v1 memory.failcnt: times usage hit the limit. */
  failcnt?: number;
  /** v1 memory.oom_control under_oom. */
  underOom?: boolean;
  /** Kernel OOM counters: v1 memory.oom_control oom_kill; v2 memory.events. */
  events: { oom?: number; oomKill?: number; oomGroupKill?: number; max?: number; high?: number };
  /** Anonymous memory (heap, stacks, malloc): v1 total_rss, v2 anon. */
  anonBytes?: number;
  /** Page cache: v1 total_cache, v2 file. */
  fileBytes?: number;
  inactiveFileBytes?: number;
  shmemBytes?: number;
  /** usage - inactive_file, as the kubelet computes the working set. */
  workingSetBytes?: number;
  /** memory.stat as read (hierarchical totals for v1). */
  stat: Record<string, number>;
}

export interface OomVictim {
  pid: number;
  name: string;
  uid?: number;
  totalVmKb?: number;
  anonRssKb?: number;
  fileRssKb?: number;
  shmemRssKb?: number;
  oomScoreAdj?: number;
  /** Old kernels: "Kill process N (java) score 1027". */
  score?: number;
}

export interface OomTaskRow {
  pid: number;
  name: string;
  /** Resident pages. */
  rssPages?: number;
  totalVmPages?: number;
}

/** One OOM kill as the kernel reported it, assembled from its log lines. */
export interface OomKillEvent {
  /** memcg: a cgroup hit its limit; node: the whole node (or a cpuset/mempolicy) ran out. */
  kind: "memcg" | "node";
  /** CONSTRAINT_MEMCG, CONSTRAINT_NONE, CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY. */
  constraint?: string;
  /** The cgroup whose limit was hit. */
  oomMemcg?: string;
  /** The cgroup the killed task was in. */
  taskMemcg?: string;
  /** The process that was allocating when memory ran out. */
  triggeredBy?: string;
  victim?: OomVictim;
  memcgUsageKb?: number;
  memcgLimitKb?: number;
  memcgFailcnt?: number;
  /** "Memory cgroup stats for ..." in bytes. */
  memcgStats?: Record<string, number>;
  tasks?: OomTaskRow[];
  /**
   * memory.oom.group was set on `cgroup` (the kubelet sets it on cgroup v2 containers since 1.28):
   * the kernel killed every task in it, one event with several victims.
   */
  groupKill?: { cgroup: string; victims: OomVictim[]; alreadyExiting: number };
  /** Kernel log sequence number (/dev/kmsg only). */
  seq?: number;
  /** Kernel timestamp, microseconds since boot. */
  usecSinceBoot?: number;
  /** Wall-clock time, when the boot time was known. */
  time?: string;
  /** The log lines the event was assembled from (bounded). */
  lines: string[];
}

export type OomMatch = "cgroup" | "ancestor" | "pod";

export interface MatchedOomKill extends OomKillEvent {
  /** How the event relates to the target: its own cgroup, a limit on an ancestor, or a sibling container of the same pod (a previous instance of a restarted container). */
  matchedBy: OomMatch;
}

export interface MemoryEvidence {
  cgroup?: MemoryCgroupSnapshot;
  /** Why the cgroup could not be read, when it could not. */
  cgroupUnavailable?: string;
  kernelLog: {
    source: "/dev/kmsg" | "dmesg" | "none";
    unavailable?: string;
    /** OOM kills in the log that concern the target, newest last. */
    oomKills: MatchedOomKill[];
    /** OOM kills elsewhere on the node (counted, not detailed). */
    otherOomKills: number;
  };
  /** Names of the target's live processes, for context. */
  processes: { pid: number; name: string }[];
}
