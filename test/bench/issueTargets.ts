/**
 * The performance targets of issue #17, one row each, measured against this run's results:
 * what, the figure now, the goal, the ratio the goal is stated in, and whether it is met (null:
 * not measured in this run, or no goal). Pure: no I/O here.
 */
import type {
  BenchResults,
  FinishedDiagnosesMemoryResult,
  FlamegraphResult,
  MemoryResult,
  ProcessRow,
  ReactionResult,
} from "./benchResults.js";
import { ratio } from "./stats.js";

export interface TargetRow {
  what: string;
  measured: string;
  goal: string;
  /** The figure the goal bounds, as a ratio where the goal is one (x floor, x peer). */
  ratio: number | null;
  met: boolean | null;
}

const MIB = 2 ** 20;
/** A finished Diagnosis cached without its report and findings costs about this much. */
const FLAT_BYTES_PER_DIAGNOSIS = 2048;
const COLLAPSE_GOAL = "<= 1.0 s and <= 100 MB (whole process)";
const RENDER_GOAL = "<= 2x inferno-flamegraph (whole process)";

function ms(x: number | null | undefined): string {
  return x === null || x === undefined ? "-" : `${x.toFixed(1)} ms`;
}

function times(x: number | null): string {
  return x === null ? "-" : `${x.toFixed(2)}x`;
}

function atMost(x: number | null, bound: number): boolean | null {
  return x === null ? null : x <= bound;
}

function both(a: boolean | null, b: boolean | null): boolean | null {
  return a === null || b === null ? null : a && b;
}

function reactionRows(rows: readonly ReactionResult[]): TargetRow[] {
  const out: TargetRow[] = [];
  for (const x of [...rows].sort((a, b) => b.pods - a.pods)) {
    const at = `${x.pods.toLocaleString("en-US")} pods`;
    out.push(
      {
        what: `Diagnosis ADDED after the 137 status write, p50 / p99, ${at}`,
        measured: `${ms(x.p50Ms)} / ${ms(x.p99Ms)}; floor ${ms(x.floorP50Ms)} / ${ms(x.floorP99Ms)}: ${times(x.ratioP50)} / ${times(x.ratioP99)}`,
        goal: "<= 2.0x floor at p50 and p99",
        ratio: x.ratioP50 === null || x.ratioP99 === null ? null : Math.max(x.ratioP50, x.ratioP99),
        met: both(atMost(x.ratioP50, 2), atMost(x.ratioP99, 2)),
      },
      {
        what: `collector Job ADDED, p50, ${at}`,
        measured: `${ms(x.jobP50Ms)}: ${times(x.jobRatioP50)} floor`,
        goal: "<= 3.0x floor",
        ratio: x.jobRatioP50,
        met: atMost(x.jobRatioP50, 3),
      },
      {
        what: `our share (Diagnosis / Job ADDED minus the floor, per event), p50 / p99, ${at}`,
        measured: `Diagnosis ${ms(x.ownP50Ms)} / ${ms(x.ownP99Ms)}; Job ${ms(x.jobOwnP50Ms)} / ${ms(x.jobOwnP99Ms)}`,
        goal: "as small as it gets (regressions show here first)",
        ratio: null,
        met: null,
      },
    );
  }
  return out;
}

function memoryRows(
  rows: readonly MemoryResult[],
  finished: FinishedDiagnosesMemoryResult | undefined,
): TargetRow[] {
  const largest = rows.reduce<MemoryResult | undefined>(
    (a, m) => (!a || m.pods >= a.pods ? m : a),
    undefined,
  );
  const out: TargetRow[] = [];
  if (largest) {
    const others = rows
      .filter((m) => m !== largest && m.pods !== largest.pods)
      .map((m) => `${(m.rssBytes / MIB).toFixed(1)} MiB at ${m.pods.toLocaleString("en-US")} pods`);
    out.push({
      what: `operator RSS at ${largest.pods.toLocaleString("en-US")} pods (chart's NODE_OPTIONS, the bundle)`,
      measured: `${(largest.rssBytes / MIB).toFixed(1)} MiB${others.length ? ` (${others.join(", ")})` : ""}`,
      goal: "<= 100 MiB",
      ratio: ratio(largest.rssBytes, 100 * MIB),
      met: largest.rssBytes <= 100 * MIB,
    });
  }
  if (finished && finished.diagnoses > 0) {
    const perDiagnosis =
      finished.addedRssBytes === null
        ? null
        : Math.round(finished.addedRssBytes / finished.diagnoses);
    out.push({
      what: `operator RSS with ${finished.diagnoses.toLocaleString("en-US")} finished Diagnoses (and ${finished.podsInCluster.toLocaleString("en-US")} pods in the cluster)`,
      measured: `${(finished.rssBytes / MIB).toFixed(1)} MiB, ${perDiagnosis === null ? "-" : `${perDiagnosis} bytes`} per Diagnosis`,
      goal: `<= 100 MiB, flat (<= ${FLAT_BYTES_PER_DIAGNOSIS} bytes per Diagnosis)`,
      ratio: ratio(finished.rssBytes, 100 * MIB),
      met: both(finished.rssBytes <= 100 * MIB, atMost(perDiagnosis, FLAT_BYTES_PER_DIAGNOSIS)),
    });
  }
  return out;
}

function flamegraphRows(f: FlamegraphResult): TargetRow[] {
  const collapse = f.rows.find((x) => x.stage === "collapse");
  const render = f.rows.find((x) => x.stage === "render");
  const process = (x: ProcessRow | undefined): string =>
    !x
      ? "-"
      : x.error
        ? `FAILED: ${x.error}`
        : `${ms(x.wallMs)}, ${x.peakRssBytes === null ? "-" : `${(x.peakRssBytes / 1e6).toFixed(0)} MB`}`;
  return [
    {
      what: `perf script -> collapsed, ${f.samples.toLocaleString("en-US")} samples (${f.perfScriptMiB} MiB of text), whole process`,
      measured: `${process(collapse)}${collapse?.ratio != null ? `: ${times(collapse.ratio)} inferno` : ""}`,
      goal: COLLAPSE_GOAL,
      ratio: collapse?.ratio ?? null,
      met:
        !collapse || collapse.error
          ? collapse
            ? false
            : null
          : both(atMost(collapse.wallMs, 1000), atMost(collapse.peakRssBytes, 100e6)),
    },
    {
      what: "collapsed -> SVG, same input (whole process)",
      measured: `${process(render)}${render?.ratio != null ? `: ${times(render.ratio)} inferno` : " (no inferno in this run)"}`,
      goal: RENDER_GOAL,
      ratio: render?.ratio ?? null,
      met: !render || render.error ? (render ? false : null) : atMost(render.ratio, 2),
    },
  ];
}

/** Every target of the issue, in its order; rows whose benchmark did not run say so. */
export function issueTargets(r: BenchResults): TargetRow[] {
  const notRun = (what: string, goal: string): TargetRow => ({
    what,
    measured: "not measured in this run",
    goal,
    ratio: null,
    met: null,
  });
  const out: TargetRow[] = [];
  out.push(
    ...(r.reaction?.length
      ? reactionRows(r.reaction)
      : [notRun("Diagnosis / Job ADDED vs the floor", "<= 2.0x / 3.0x floor")]),
  );
  out.push(
    ...(r.memory?.length || r.finishedDiagnosesMemory
      ? memoryRows(r.memory ?? [], r.finishedDiagnosesMemory)
      : [notRun("operator RSS", "<= 100 MiB")]),
  );

  const b = r.burst;
  const burstGoal = "0 lost, all accounted within 2 s of the last restart, <= 300 requests";
  if (b) {
    const after = b.complete ? Math.round((b.seconds - b.sendSeconds) * 10) / 10 : null;
    out.push({
      what: `burst: ${b.restarts.toLocaleString("en-US")} OOM restarts over ${b.workloads} workloads in ${b.sendSeconds} s`,
      measured: `${b.lost} lost, ${after === null ? "not all" : `all`} accounted ${after === null ? `within ${b.seconds} s` : `${after} s after the last restart`}, ${b.apiRequests ?? "-"} API requests`,
      goal: burstGoal,
      ratio: null,
      met:
        b.apiRequests === null || after === null
          ? b.complete
            ? null
            : false
          : b.lost === 0 && after <= 2 && b.apiRequests <= 300,
    });
  } else out.push(notRun("burst", burstGoal));

  if (r.flamegraph) out.push(...flamegraphRows(r.flamegraph));
  else out.push(notRun("perf script -> collapsed -> SVG", `${COLLAPSE_GOAL}; ${RENDER_GOAL}`));

  const memoryCheck = r.collector?.find((c) => c.check === "memory" && !c.error);
  const startupGoal = "<= 50 ms";
  if (memoryCheck) {
    out.push({
      what: "collector single check, whole process (memory)",
      measured: `${ms(memoryCheck.wallMs)} (the check itself ${ms(memoryCheck.checkMs)}) vs ${ms(memoryCheck.baselineWallMs)} for the shell commands`,
      goal: "-",
      ratio: memoryCheck.ratio,
      met: null,
    });
    out.push({
      what: "collector start-up: whole process minus the check (memory)",
      measured:
        memoryCheck.startupMs !== null && memoryCheck.nodeStartupMs !== null
          ? `${ms(memoryCheck.startupMs)}; bare node -e 0 ${ms(memoryCheck.nodeStartupMs)}, ours ${ms(memoryCheck.startupMs - memoryCheck.nodeStartupMs)}`
          : ms(memoryCheck.startupMs),
      goal: startupGoal,
      ratio: null,
      met: atMost(memoryCheck.startupMs, 50),
    });
  } else
    out.push(notRun("collector start-up: whole process minus the check (memory)", startupGoal));
  return out;
}
