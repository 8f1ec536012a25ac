/**
 * The usage-vs-limit picture: bars on one scale against the memory limit. Each JVM's footprint
 * (heap and every non-heap part, from its finding's evidence), the memory at the OOM kill (from
 * the kernel's report), and the cgroup now and at its peak (from the memory check's data). Pure;
 * reads its inputs as untrusted JSON.
 */
import type { Finding } from "../api/v1alpha1/diagnosis.js";
import {
  asNumber,
  asString,
  isRecord,
  type MemoryBar,
  type MemoryPicture,
  type MemorySegment,
} from "./pageModel.js";

export interface MemorySources {
  findings: readonly Finding[];
  /** checks.memory.data of a report, when it is there. */
  memoryData?: unknown;
  /** checks.jvm.data of a report, when it is there. */
  jvmData?: unknown;
  /** The container's limit from the pod spec (Diagnosis status.target.memoryLimitBytes). */
  limitHint?: number;
}

const MAX_BARS = 12;

const PART_TONES: Record<string, MemorySegment["tone"]> = {
  heap: "heap",
  metaspace: "metaspace",
  compressedClassSpace: "classes",
  codeCache: "code",
  threadStacks: "threads",
  directMemory: "direct",
  gcAndOther: "native",
  other: "native",
};

const bytes = (v: unknown): number | undefined => {
  const n = asNumber(v);
  return n !== undefined && n >= 0 ? n : undefined;
};

/** A JVM finding's footprint: `parts` (JvmFootprint*) or max heap + the older nonHeap estimate. */
function jvmSegments(e: Record<string, unknown>): MemorySegment[] | undefined {
  if (Array.isArray(e.parts)) {
    const segments: MemorySegment[] = [];
    for (const p of e.parts.slice(0, 16)) {
      if (!isRecord(p)) continue;
      const b = bytes(p.bytes);
      if (b === undefined) continue;
      const part = asString(p.part, 32) ?? "other";
      const seg: MemorySegment = {
        name: asString(p.label, 80) ?? part,
        bytes: b,
        tone: PART_TONES[part] ?? "other",
      };
      const source = asString(p.source, 200);
      if (source) seg.source = source;
      segments.push(seg);
    }
    return segments.length > 0 ? segments : undefined;
  }
  const heap = bytes(e.maxHeapBytes);
  if (heap === undefined) return undefined;
  const segments: MemorySegment[] = [
    { name: "Java heap (max)", bytes: heap, tone: "heap", ...src(e.maxHeapSource ?? e.flag) },
  ];
  const n = isRecord(e.nonHeap) ? e.nonHeap : undefined;
  if (n) {
    const add = (key: string, name: string, tone: MemorySegment["tone"]) => {
      const b = bytes(n[key]);
      if (b) segments.push({ name, bytes: b, tone, source: "estimate" });
    };
    add("metaspaceBytes", "Metaspace", "metaspace");
    add("threadStacksBytes", "Thread stacks", "threads");
    add("directMemoryBytes", "Direct buffers", "direct");
    add("otherNativeBytes", "Code cache, GC, other native", "native");
  }
  return segments;
}

function src(v: unknown): { source?: string } {
  const s = asString(v, 200);
  return s ? { source: s } : {};
}

function jvmBars(findings: readonly Finding[]): MemoryBar[] {
  // One bar per JVM: the finding with every part wins over an older estimate.
  const byPid = new Map<string, { bar: MemoryBar; detailed: boolean }>();
  for (const f of findings) {
    if (f.check !== "jvm" || !f.evidence) continue;
    const segments = jvmSegments(f.evidence);
    if (!segments) continue;
    const pid = asNumber(f.evidence.pid);
    const key = pid === undefined ? f.code : String(pid);
    const detailed = Array.isArray(f.evidence.parts);
    const prev = byPid.get(key);
    if (prev && (prev.detailed || !detailed)) continue;
    const who = pid === undefined ? "JVM" : `JVM pid ${pid}`;
    const bar: MemoryBar = { label: `${who}: most it can use`, segments };
    if (f.source === "PodSpec") bar.note = "from the pod spec";
    byPid.set(key, { bar, detailed });
  }
  return [...byPid.values()].map((v) => v.bar);
}

function oomBars(findings: readonly Finding[]): MemoryBar[] {
  const out: MemoryBar[] = [];
  for (const f of findings) {
    if ((f.code !== "OOMKilledByCgroup" && f.code !== "OOMKilledByNode") || !f.evidence) continue;
    const e = f.evidence;
    const usage = bytes(e.usageBytes);
    if (usage === undefined) continue;
    const share = asNumber(e.anonShare);
    const victim = isRecord(e.victim)
      ? `${asString(e.victim.name, 64) ?? "?"} (pid ${asNumber(e.victim.pid) ?? "?"})`
      : undefined;
    const time = asString(e.time, 64);
    const segments: MemorySegment[] =
      share !== undefined && share >= 0 && share <= 1
        ? [
            {
              name: "Anonymous (heap, stacks, malloc)",
              bytes: Math.round(usage * share),
              tone: "anon",
              source: "kernel OOM report",
            },
            {
              name: "Page cache and other",
              bytes: Math.round(usage * (1 - share)),
              tone: "file",
              source: "kernel OOM report",
            },
          ]
        : [{ name: "Usage", bytes: usage, tone: "other", source: "kernel OOM report" }];
    const bar: MemoryBar = {
      label: `At the OOM kill${victim ? ` of ${victim}` : ""}`,
      segments: segments.filter((s) => s.bytes > 0),
      oom: true,
    };
    if (time) bar.note = time;
    out.push(bar);
  }
  return out;
}

function cgroupBars(memoryData: unknown): {
  bars: MemoryBar[];
  measured: boolean;
  limit?: number;
} {
  const cg = isRecord(memoryData) && isRecord(memoryData.cgroup) ? memoryData.cgroup : undefined;
  if (!cg) return { bars: [], measured: false };
  const usage = bytes(cg.usageBytes);
  const bars: MemoryBar[] = [];
  if (usage !== undefined) {
    const anon = bytes(cg.anonBytes);
    const file = bytes(cg.fileBytes);
    const segments: MemorySegment[] = [];
    if (anon !== undefined)
      segments.push({
        name: "Anonymous (heap, stacks, malloc)",
        bytes: Math.min(anon, usage),
        tone: "anon",
        source: "memory.stat",
      });
    if (file !== undefined)
      segments.push({
        name: "Page cache",
        bytes: Math.min(file, Math.max(0, usage - (anon ?? 0))),
        tone: "file",
        source: "memory.stat",
      });
    const rest = usage - segments.reduce((s, x) => s + x.bytes, 0);
    if (rest > 0)
      segments.push({
        name: segments.length ? "Kernel and other" : "Usage",
        bytes: rest,
        tone: "other",
        source: "memory usage",
      });
    bars.push({ label: "cgroup now", segments: segments.filter((s) => s.bytes > 0) });
  }
  const peak = bytes(cg.maxUsageBytes);
  if (peak !== undefined)
    bars.push({
      label: "cgroup peak",
      segments: [
        { name: "Peak usage", bytes: peak, tone: "other", source: "max_usage / memory.peak" },
      ],
    });
  const limit = bytes(cg.limitBytes);
  return limit === undefined ? { bars, measured: true } : { bars, measured: true, limit };
}

function rssBars(jvmData: unknown): MemoryBar[] {
  const jvms = isRecord(jvmData) && Array.isArray(jvmData.jvms) ? jvmData.jvms : [];
  const out: MemoryBar[] = [];
  for (const j of jvms.slice(0, 4)) {
    if (!isRecord(j)) continue;
    const rss = bytes(j.rssBytes);
    if (rss === undefined) continue;
    out.push({
      label: `JVM pid ${asNumber(j.pid) ?? "?"}: resident now`,
      segments: [
        {
          name: "Resident set (RSS)",
          bytes: rss,
          tone: "other",
          source: "/proc/<pid>/status VmRSS",
        },
      ],
    });
  }
  return out;
}

function limitFromFindings(findings: readonly Finding[]): number | undefined {
  for (const f of findings) {
    const l = bytes(f.evidence?.limitBytes);
    if (l !== undefined && l > 0) return l;
  }
  return undefined;
}

export function memoryPicture(s: MemorySources): MemoryPicture | undefined {
  const cgroup = cgroupBars(s.memoryData);
  const bars = [
    ...jvmBars(s.findings),
    ...rssBars(s.jvmData),
    ...oomBars(s.findings),
    ...cgroup.bars,
  ]
    .filter((b) => b.segments.length > 0)
    .slice(0, MAX_BARS);
  if (bars.length === 0) return undefined;
  // The cgroup as measured wins (a limit, or none); without it, what the findings and spec say.
  const limitBytes = cgroup.measured
    ? cgroup.limit
    : (limitFromFindings(s.findings) ?? s.limitHint);
  return limitBytes === undefined ? { bars } : { bars, limitBytes };
}
