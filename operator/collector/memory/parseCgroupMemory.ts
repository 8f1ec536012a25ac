import type { MemoryCgroupSnapshot } from "../../report/evidence/memoryEvidence.js";
import { parseFlatKeyed } from "../parseFlatKeyed.js";

/** File name -> content, for the files that exist (missing files are simply absent). */
export type CgroupFiles = Readonly<Record<string, string | undefined>>;

export const V1_MEMORY_FILES = [
  "memory.limit_in_bytes",
  "memory.usage_in_bytes",
  "memory.max_usage_in_bytes",
  "memory.failcnt",
  "memory.oom_control",
  "memory.stat",
] as const;

export const V2_MEMORY_FILES = [
  "memory.max",
  "memory.current",
  "memory.peak",
  "memory.events",
  "memory.stat",
] as const;

/** v1 reports "no limit" as LONG_MAX rounded down to a page: anything this large is unlimited. */
const V1_UNLIMITED = 2 ** 62;

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

function withWorkingSet(s: MemoryCgroupSnapshot): MemoryCgroupSnapshot {
  if (s.usageBytes !== undefined) {
    s.workingSetBytes = Math.max(0, s.usageBytes - (s.inactiveFileBytes ?? 0));
  }
  return s;
}

export function parseCgroupV1Memory(path: string, files: CgroupFiles): MemoryCgroupSnapshot {
  const limit = num(files["memory.limit_in_bytes"]);
  const oomControl = parseFlatKeyed(files["memory.oom_control"] ?? "");
  const stat = parseFlatKeyed(files["memory.stat"] ?? "");
  // total_* include descendants; a container's processes may sit in child cgroups.
  const pick = (k: string) => stat[`total_${k}`] ?? stat[k];
  return withWorkingSet({
    cgroupVersion: 1,
    path,
    limitBytes: limit === undefined || limit >= V1_UNLIMITED ? undefined : limit,
    usageBytes: num(files["memory.usage_in_bytes"]),
    maxUsageBytes: num(files["memory.max_usage_in_bytes"]),
    failcnt: num(files["memory.failcnt"]),
    underOom: oomControl.under_oom === undefined ? undefined : oomControl.under_oom === 1,
    events: { oomKill: oomControl.oom_kill },
    anonBytes: pick("rss"),
    fileBytes: pick("cache"),
    inactiveFileBytes: pick("inactive_file"),
    shmemBytes: pick("shmem"),
    stat,
  });
}

export function parseCgroupV2Memory(path: string, files: CgroupFiles): MemoryCgroupSnapshot {
  const max = files["memory.max"]?.trim();
  const events = parseFlatKeyed(files["memory.events"] ?? "");
  const stat = parseFlatKeyed(files["memory.stat"] ?? "");
  return withWorkingSet({
    cgroupVersion: 2,
    path,
    limitBytes: max === undefined || max === "max" ? undefined : num(max),
    usageBytes: num(files["memory.current"]),
    maxUsageBytes: num(files["memory.peak"]),
    events: {
      oom: events.oom,
      oomKill: events.oom_kill,
      oomGroupKill: events.oom_group_kill,
      max: events.max,
      high: events.high,
    },
    anonBytes: stat.anon,
    fileBytes: stat.file,
    inactiveFileBytes: stat.inactive_file,
    shmemBytes: stat.shmem,
    stat,
  });
}
