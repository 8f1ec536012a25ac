import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type { MatchedOomKill, MemoryEvidence } from "../report/evidence/memoryEvidence.js";
import type { AnalysisContext } from "./analysisContext.js";
import { percent, formatMemorySize as size } from "./formatMemorySize.js";

export const MEMORY_THRESHOLDS = {
  /** Working set / limit at or above which MemoryNearLimit is raised. */
  nearLimitRatio: 0.9,
};

/** Anonymous share of the cgroup's memory when it was killed, from the kernel's report. */
export function anonShareOfOomKill(ev: MatchedOomKill): number | undefined {
  const s = ev.memcgStats;
  if (s) {
    const anon = s.anon ?? s.total_rss ?? s.rss;
    const file = s.file ?? s.total_cache ?? s.cache;
    if (anon !== undefined && file !== undefined && anon + file > 0) return anon / (anon + file);
  }
  const v = ev.victim;
  if (v?.anonRssKb !== undefined && ev.memcgUsageKb)
    return Math.min(1, v.anonRssKb / ev.memcgUsageKb);
  if (v?.anonRssKb !== undefined) {
    const total = v.anonRssKb + (v.fileRssKb ?? 0) + (v.shmemRssKb ?? 0);
    return total > 0 ? v.anonRssKb / total : undefined;
  }
  return undefined;
}

function isJvmTarget(context: AnalysisContext): boolean {
  const jvm = context.results.jvm as { jvms?: unknown[] } | undefined;
  return (jvm?.jvms?.length ?? 0) > 0;
}

function oomFinding(
  ev: MatchedOomKill,
  all: MatchedOomKill[],
  data: MemoryEvidence,
  context: AnalysisContext,
): Finding {
  const victim = ev.victim ? `${ev.victim.name} (pid ${ev.victim.pid})` : "a process";
  const anon = anonShareOfOomKill(ev);
  const anonText = anon === undefined ? "" : `, anon ${Math.round(anon * 100)}%`;
  const earlier = all.length > 1 ? ` (${all.length} OOM kills recorded for this cgroup)` : "";
  const when = ev.time ? ` at ${ev.time}` : "";
  const evidence: Record<string, unknown> = {
    victim: ev.victim,
    constraint: ev.constraint,
    oomMemcg: ev.oomMemcg,
    taskMemcg: ev.taskMemcg,
    matchedBy: ev.matchedBy,
    usageBytes: ev.memcgUsageKb === undefined ? undefined : ev.memcgUsageKb * 1024,
    limitBytes: ev.memcgLimitKb === undefined ? undefined : ev.memcgLimitKb * 1024,
    failcnt: ev.memcgFailcnt,
    anonShare: anon === undefined ? undefined : Math.round(anon * 1000) / 1000,
    time: ev.time,
    oomKillsRecorded: all.length,
    oomKillCounter: data.cgroup?.events.oomKill,
    kernelLines: ev.lines.filter((l) => !/^\[\s*\d+\]/.test(l)).slice(0, 8),
  };
  const heapHint = isJvmTarget(context)
    ? " The target runs a JVM: size its heap to the limit (see the jvm findings)."
    : "";
  if (ev.kind === "memcg") {
    const usage =
      ev.memcgUsageKb !== undefined && ev.memcgLimitKb !== undefined
        ? ` at ${size(ev.memcgUsageKb * 1024)} usage ${ev.memcgUsageKb >= ev.memcgLimitKb ? "=" : "of"} limit ${size(ev.memcgLimitKb * 1024)}`
        : "";
    const via = ev.matchedBy === "pod" ? " (a previous instance of this container)" : "";
    return {
      check: "memory",
      severity: "Critical",
      code: "OOMKilledByCgroup",
      summary: `OOM-killed by its cgroup: ${victim}${via}${usage}${anonText}${when}${earlier}`,
      evidence,
      remediation:
        anon !== undefined && anon >= 0.8
          ? `The memory was anonymous (heap, stacks, native allocations), not page cache: raise the container's memory limit above its peak, or make the process use less.${heapHint}`
          : `Raise the container's memory limit above its peak, or make the process use less.${heapHint}`,
    };
  }
  return {
    check: "memory",
    severity: "Critical",
    code: "OOMKilledByNode",
    summary: `OOM-killed by the node, not by its cgroup limit: ${victim}, constraint ${ev.constraint ?? "none"}${anonText}${when}${earlier}`,
    evidence,
    remediation:
      "The node ran out of memory as a whole: set memory requests equal to limits for this workload (Guaranteed QoS), lower other pods' usage or add node memory; check kubelet eviction thresholds.",
  };
}

export function analyzeMemory(
  data: MemoryEvidence,
  context: AnalysisContext = { results: {} },
): Finding[] {
  const findings: Finding[] = [];
  const cg = data.cgroup;
  const kills = data.kernelLog.oomKills;
  const latest = kills.at(-1);
  if (latest) {
    findings.push(oomFinding(latest, kills, data, context));
    // A node-wide kill and a memcg kill are different stories: report the other kind too.
    const otherKind = [...kills].reverse().find((k) => k.kind !== latest.kind);
    if (otherKind) findings.push(oomFinding(otherKind, kills, data, context));
  } else if ((cg?.events.oomKill ?? 0) > 0) {
    findings.push({
      check: "memory",
      severity: "Critical",
      code: "OOMKilledByCgroup",
      summary: `OOM-killed by its cgroup: the cgroup counts ${cg!.events.oomKill} OOM kill(s) (limit ${cg!.limitBytes === undefined ? "none" : size(cg!.limitBytes)}); the kernel log no longer holds the record${data.kernelLog.unavailable ? ` (${data.kernelLog.unavailable})` : ""}`,
      evidence: {
        oomKillCounter: cg!.events.oomKill,
        limitBytes: cg!.limitBytes,
        maxUsageBytes: cg!.maxUsageBytes,
        failcnt: cg!.failcnt,
      },
      remediation:
        "Raise the container's memory limit above its peak, or make the process use less.",
    });
  }

  if (cg?.limitBytes !== undefined && cg.workingSetBytes !== undefined) {
    const ratio = cg.workingSetBytes / cg.limitBytes;
    if (ratio >= MEMORY_THRESHOLDS.nearLimitRatio) {
      const anon = cg.anonBytes;
      findings.push({
        check: "memory",
        severity: "Warning",
        code: "MemoryNearLimit",
        summary: `Memory working set ${size(cg.workingSetBytes)} is ${percent(cg.workingSetBytes, cg.limitBytes)}% of the ${size(cg.limitBytes)} limit${anon !== undefined ? ` (anon ${size(anon)})` : ""}`,
        evidence: {
          workingSetBytes: cg.workingSetBytes,
          usageBytes: cg.usageBytes,
          limitBytes: cg.limitBytes,
          anonBytes: cg.anonBytes,
          fileBytes: cg.fileBytes,
          maxUsageBytes: cg.maxUsageBytes,
          failcnt: cg.failcnt,
        },
        remediation:
          "The next allocation burst will be OOM-killed: raise the memory limit or reduce the process's footprint.",
      });
    }
  }

  if (findings.length === 0 && cg && !data.kernelLog.unavailable) {
    findings.push({
      check: "memory",
      severity: "Info",
      code: "NoOomKill",
      summary: `No OOM kill recorded for this cgroup (kernel log and oom_kill counter); usage ${cg.usageBytes === undefined ? "?" : size(cg.usageBytes)} of ${cg.limitBytes === undefined ? "no limit" : size(cg.limitBytes)}. An exit code 137 here was a SIGKILL from outside the OOM killer (liveness probe, eviction, docker kill, kill -9).`,
      evidence: {
        usageBytes: cg.usageBytes,
        limitBytes: cg.limitBytes,
        maxUsageBytes: cg.maxUsageBytes,
        oomKillCounter: cg.events.oomKill,
        otherOomKillsOnNode: data.kernelLog.otherOomKills,
      },
    });
  }
  return findings;
}
