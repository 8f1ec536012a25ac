/**
 * The results document `npm run bench --json` writes (the shape issue #9 asks for, plus context
 * keys) and its rendering as plain-text tables. Pure: no I/O here.
 */

import type { BenchName } from "./benchArgs.js";
import type { EventTally, WriteTally } from "./burstWrites.js";
import type { TargetRow } from "./issueTargets.js";
import { bytesPerObject } from "./stats.js";

export interface ReactionResult {
  /** Bench pods present (what the row is about). */
  pods: number;
  /** Every Pod in the cluster at measurement time (bench pods + collector Job pods). */
  podsInCluster: number;
  events: number;
  /** Pod status patch sent -> Diagnosis ADDED seen by a watch in the bench process. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Pod status patch sent -> the same update seen by a bare pod watch (no operator). */
  floorP50Ms: number | null;
  floorP95Ms: number | null;
  floorP99Ms: number | null;
  ratioP50: number | null;
  ratioP99: number | null;
  /** Pod status patch sent -> collector Job ADDED. */
  jobP50Ms: number | null;
  jobP95Ms: number | null;
  jobP99Ms: number | null;
  jobRatioP50: number | null;
  /**
   * The operator's own share, per event: Diagnosis (Job) ADDED minus the bare watch's sighting
   * of the same update. What the operator adds to what any watch client waits for anyway; a
   * regression shows here first.
   */
  ownP50Ms: number | null;
  ownP99Ms: number | null;
  jobOwnP50Ms: number | null;
  jobOwnP99Ms: number | null;
  /** Events whose Diagnosis / Job did not show up before the per-event deadline. */
  missedDiagnoses: number;
  missedJobs: number;
}

export interface MemoryResult {
  pods: number;
  podsInCluster: number;
  /** VmRSS of the operator process after its caches synced. */
  rssBytes: number;
  /** V8 heap used after a forced GC, from the bench probe loaded into the operator process. */
  heapUsedBytes: number | null;
  /** V8 heap reserved (what the initial list grew it to; RSS keeps it). */
  heapTotalBytes: number | null;
  /** (RSS here - RSS on the previous row) / pods added in between (pods in the cluster). */
  bytesPerPod: number | null;
  heapBytesPerPod: number | null;
}

/** The operator with finished Diagnoses of large statuses in the cluster (after the pod rounds). */
export interface FinishedDiagnosesMemoryResult {
  diagnoses: number;
  /** JSON bytes of their statuses, as stored. */
  statusBytes: number;
  /** Pods in the cluster too (the last pod round's). */
  podsInCluster: number;
  /** VmRSS after the caches synced, and VmHWM: the peak, the initial list included. */
  rssBytes: number;
  peakRssBytes: number;
  /** RSS here minus RSS of the last pod round (same pods, no Diagnoses). */
  addedRssBytes: number | null;
  heapUsedBytes: number | null;
}

export interface BurstResult {
  restarts: number;
  workloads: number;
  /** Sum over the workloads' Diagnoses of status.trigger.restartsObserved. */
  accounted: number;
  lost: number;
  diagnoses: number;
  jobs: number;
  maxJobs: number;
  maxJobsPerNode: number;
  nodes: number;
  /** HTTP requests the operator process sent to the apiserver from the first patch to the end. */
  apiRequests: number | null;
  apiRequestsBy: Record<string, number>;
  /** Operator reconciles during the burst and their mean duration (ms), per controller. */
  reconciles: Record<string, { count: number; meanMs: number | null }>;
  /** The Diagnoses' writes by what they changed, and how many each had (see burstWrites.ts). */
  writes?: WriteTally;
  /** The Diagnoses' Events by reason: objects and the occurrences counted on them. */
  events?: EventTally;
  /** Seconds the bench took to send every restart (the burst window). */
  sendSeconds: number;
  /** Seconds from the first restart sent until every restart was accounted for (or the deadline). */
  seconds: number;
  complete: boolean;
}

export interface CollectorResult {
  check: string;
  target: string;
  runs: number;
  /** Median wall time of the collector CLI process (node start-up included). */
  wallMs: number | null;
  /** The check's own duration as the collector's report states it (median). */
  checkMs: number | null;
  /**
   * What the process costs beside its check (median of wall minus the check's own time, per
   * run): Node's start-up, loading the collector, resolving the target, writing the report.
   */
  startupMs: number | null;
  /** Median wall time of a bare `node -e 0` run beside each collector run: Node's own share. */
  nodeStartupMs: number | null;
  peakRssBytes: number | null;
  baselineWallMs: number | null;
  baselinePeakRssBytes: number | null;
  /** wallMs / baselineWallMs. */
  ratio: number | null;
  sampleSeconds: number;
  error?: string;
}

/** One program of the flame graph path run as a whole process on the bench's input. */
export interface ProcessRow {
  tool: string;
  /** perf script text -> collapsed stacks, or collapsed stacks -> SVG. */
  stage: "collapse" | "render";
  /** Runs counted (after one that is not). */
  runs: number;
  /** Median wall time, spawn to exit. */
  wallMs: number | null;
  /** The largest peak RSS of the runs (GNU time). */
  peakRssBytes: number | null;
  /** wallMs and peakRssBytes against inferno's of the same stage; null without inferno. */
  ratio: number | null;
  rssRatio: number | null;
  error?: string;
}

export interface FlamegraphResult {
  samples: number;
  /** Size of the perf script text. */
  perfScriptMiB: number;
  /** collapse + render wall time (medians), null when one failed. */
  ms: number | null;
  stacks: number | null;
  svgKiB: number | null;
  /** Ours: diagnose-collector collapse-perf, diagnose-collector flamegraph. */
  rows: ProcessRow[];
}

export interface PeersResult {
  rows: ProcessRow[];
  /** Peers not run, and why. */
  skipped: { name: string; reason: string }[];
}

export interface BenchResults {
  meta: {
    startedAt: string;
    quick: boolean;
    host: { cpus: number; kernel: string; node: string };
    kubernetes?: string;
    totalSeconds?: number;
    notes: string[];
  };
  reaction?: ReactionResult[];
  memory?: MemoryResult[];
  finishedDiagnosesMemory?: FinishedDiagnosesMemoryResult;
  burst?: BurstResult;
  collector?: CollectorResult[];
  flamegraph?: FlamegraphResult;
  peers?: PeersResult;
  /** Benchmarks that failed, with the reason: the others still report. */
  errors: Partial<Record<BenchName, string>>;
  /** Issue #17's targets against this run (issueTargets.ts). */
  targets?: TargetRow[];
}

/** Each row's growth per pod since the previous row (rows in ascending pod order). */
export function withGrowthPerPod(rows: readonly MemoryResult[]): MemoryResult[] {
  return rows.map((row, i) => {
    const prev = rows[i - 1];
    if (!prev) return { ...row, bytesPerPod: null, heapBytesPerPod: null };
    const small = { objects: prev.podsInCluster };
    const large = { objects: row.podsInCluster };
    return {
      ...row,
      bytesPerPod: bytesPerObject(
        { ...small, bytes: prev.rssBytes },
        { ...large, bytes: row.rssBytes },
      ),
      heapBytesPerPod:
        prev.heapUsedBytes === null || row.heapUsedBytes === null
          ? null
          : bytesPerObject(
              { ...small, bytes: prev.heapUsedBytes },
              { ...large, bytes: row.heapUsedBytes },
            ),
    };
  });
}

type Cell = string | number | null | undefined;

/** Left-aligned text columns separated by two spaces; numbers right-aligned. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const text = rows.map((r) => headers.map((_, i) => formatCell(r[i])));
  const numeric = headers.map((_, i) =>
    rows.every((r) => typeof r[i] === "number" || r[i] === null || r[i] === undefined),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

function formatCell(c: Cell): string {
  if (c === null || c === undefined) return "-";
  if (typeof c === "number") return Number.isInteger(c) ? String(c) : c.toFixed(1);
  return c;
}

export function mib(bytes: number | null): number | null {
  return bytes === null ? null : Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function processTable(rows: readonly ProcessRow[]): string {
  return renderTable(
    ["stage", "tool", "runs", "wall ms", "peak RSS MiB", "time ratio", "RSS ratio"],
    rows.map((x) => [
      x.stage === "collapse" ? "perf script -> collapsed" : "collapsed -> SVG",
      x.error ? `${x.tool} (FAILED: ${x.error})` : x.tool,
      x.runs,
      x.wallMs,
      mib(x.peakRssBytes),
      ratioCell(x.ratio),
      ratioCell(x.rssRatio),
    ]),
  );
}

function ratioCell(r: number | null): string | null {
  return r === null ? null : `${r.toFixed(2)}x`;
}

/** Every section that has results (or an error), in the order of the issue. */
export function renderBenchResults(r: BenchResults): string {
  const out: string[] = [];
  const section = (title: string, name: BenchName, body: string | undefined) => {
    const err = r.errors[name];
    if (!body && !err) return;
    out.push(`== ${title}`);
    if (body) out.push(body);
    if (err) out.push(`FAILED: ${err}`);
    out.push("");
  };
  section(
    "Reaction: pod status patch (exit 137 restart) -> Diagnosis / Job ADDED, vs a bare pod watch",
    "reaction",
    r.reaction?.length
      ? `${renderTable(
          [
            "pods",
            "events",
            "diag p50",
            "p95",
            "p99",
            "job p50",
            "p95",
            "p99",
            "floor p50",
            "p95",
            "p99",
            "diag/floor p50",
            "p99",
            "job/floor p50",
            "own p50",
            "p99",
            "job own p50",
            "missed",
          ],
          r.reaction.map((x) => [
            x.pods,
            x.events,
            x.p50Ms,
            x.p95Ms,
            x.p99Ms,
            x.jobP50Ms,
            x.jobP95Ms,
            x.jobP99Ms,
            x.floorP50Ms,
            x.floorP95Ms,
            x.floorP99Ms,
            ratioCell(x.ratioP50),
            ratioCell(x.ratioP99),
            ratioCell(x.jobRatioP50),
            x.ownP50Ms,
            x.ownP99Ms,
            x.jobOwnP50Ms,
            `${x.missedDiagnoses}/${x.missedJobs}`,
          ]),
        )}\n(ms; own = per event, Diagnosis (Job) ADDED minus the bare watch's sighting of the same update: the operator's own time; missed = diagnoses/jobs not seen within the per-event deadline)`
      : undefined,
  );
  section(
    "Memory: operator after its initial list",
    "memory",
    r.memory?.length
      ? `${renderTable(
          [
            "pods",
            "pods in cluster",
            "RSS MiB",
            "heap used MiB",
            "heap total MiB",
            "RSS bytes/pod",
            "heap bytes/pod",
          ],
          r.memory.map((m) => [
            m.pods,
            m.podsInCluster,
            mib(m.rssBytes),
            mib(m.heapUsedBytes),
            mib(m.heapTotalBytes),
            m.bytesPerPod,
            m.heapBytesPerPod,
          ]),
        )}\n(bytes/pod: growth since the row above over the pods added; heap used after a forced GC)`
      : undefined,
  );
  const fd = r.finishedDiagnosesMemory;
  section(
    "Memory: finished Diagnoses with large statuses (cached without report and findings)",
    "memory",
    fd
      ? `${renderTable(
          [
            "diagnoses",
            "status MiB",
            "pods in cluster",
            "RSS MiB",
            "peak RSS MiB",
            "added RSS MiB",
            "heap used MiB",
          ],
          [
            [
              fd.diagnoses,
              mib(fd.statusBytes),
              fd.podsInCluster,
              mib(fd.rssBytes),
              mib(fd.peakRssBytes),
              mib(fd.addedRssBytes),
              mib(fd.heapUsedBytes),
            ],
          ],
        )}\n(peak: VmHWM, the initial list included; added: over the last pod round's RSS)`
      : undefined,
  );
  const b = r.burst;
  section(
    "Burst: restarts across workloads (ReplicaSet-owned pods)",
    "burst",
    b
      ? renderTable(
          [
            "restarts",
            "workloads",
            "sent in s",
            "accounted",
            "lost",
            "diagnoses",
            "jobs (caps)",
            "API requests",
            "seconds",
          ],
          [
            [
              b.restarts,
              b.workloads,
              b.sendSeconds,
              b.accounted,
              b.lost,
              b.diagnoses,
              `${b.jobs} (${b.maxJobsPerNode}/node x ${b.nodes} nodes, ${b.maxJobs} total)`,
              b.apiRequests,
              b.complete ? b.seconds : `>${b.seconds} (incomplete)`,
            ],
          ],
        ) +
          (Object.keys(b.apiRequestsBy).length
            ? `\nAPI requests by verb and resource: ${Object.entries(b.apiRequestsBy)
                .sort((x, y) => y[1] - x[1])
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")}`
            : "") +
          (Object.keys(b.reconciles).length
            ? `\nReconciles: ${Object.entries(b.reconciles)
                .map(([c, x]) => `${c} ${x.count} (mean ${x.meanMs ?? "-"} ms)`)
                .join(", ")}`
            : "") +
          (b.writes
            ? `\nDiagnosis writes seen (by what they changed): ${Object.entries(b.writes.byKind)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")}; writes after the create per Diagnosis: ${Object.entries(
                b.writes.perDiagnosis,
              )
                .map(([n, d]) => `${n}: ${d}`)
                .join(", ")}`
            : "") +
          (b.events
            ? `\nEvents by reason (objects/occurrences): ${Object.entries(b.events)
                .sort((x, y) => y[1].events - x[1].events)
                .map(([r, t]) => `${r} ${t.events}/${t.occurrences}`)
                .join(", ")}`
            : "")
      : undefined,
  );
  section(
    "Collector checks vs the manual shell commands (baseline)",
    "collector",
    r.collector?.length
      ? renderTable(
          [
            "check",
            "target",
            "wall ms",
            "check ms",
            "start-up ms",
            "node -e 0 ms",
            "peak RSS MiB",
            "baseline ms",
            "baseline RSS MiB",
            "ratio",
          ],
          r.collector.map((c) => [
            c.check,
            c.error ? `${c.target} (FAILED: ${c.error})` : c.target,
            c.wallMs,
            c.checkMs,
            c.startupMs,
            c.nodeStartupMs,
            mib(c.peakRssBytes),
            c.baselineWallMs,
            mib(c.baselinePeakRssBytes),
            ratioCell(c.ratio),
          ]),
        ) +
          `\n(sampling window ${r.collector[0]!.sampleSeconds}s in both; wall = whole process incl. node start-up; ` +
          "start-up = wall minus the check's own time; " +
          "baseline peak RSS = the largest single command)"
      : undefined,
  );
  const f = r.flamegraph;
  section(
    "Flame graph: perf script -> collapsed -> SVG, each a whole process (ratio: to inferno's of the same stage)",
    "flamegraph",
    f
      ? `${processTable(f.rows)}\n(input: ${f.samples} samples, ${f.perfScriptMiB} MiB of perf script text; ${f.stacks ?? "-"} stacks; SVG ${f.svgKiB ?? "-"} KiB; collapse + render ${f.ms ?? "-"} ms)`
      : undefined,
  );
  const p = r.peers;
  section(
    "Peers: the same input through inferno and flamegraph.pl",
    "peers",
    p
      ? [
          p.rows.length ? processTable(p.rows) : "",
          ...p.skipped.map((s) => `not run: ${s.name}: ${s.reason}`),
        ]
          .filter(Boolean)
          .join("\n")
      : undefined,
  );
  if (r.targets?.length) {
    out.push("== Issue #17 targets (this run)");
    out.push(
      renderTable(
        ["what", "measured", "goal", "met"],
        r.targets.map((t) => [
          t.what,
          t.measured,
          t.goal,
          t.met === null ? "-" : t.met ? "yes" : "NO",
        ]),
      ),
    );
    out.push("");
  }
  if (r.meta.notes.length) out.push(...r.meta.notes.map((n) => `note: ${n}`));
  return `${out.join("\n").trimEnd()}\n`;
}
