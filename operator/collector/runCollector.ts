import { analyzeReport } from "../analysis/analyzeReport.js";
import { DEFAULT_CHECKS } from "../api/v1alpha1/diagnosis.js";
import { type CollectorReport, REPORT_SCHEMA_VERSION } from "../report/collectorReport.js";
import type { Check, CheckContext } from "./check.js";
import { COLLECTOR_VERSION } from "./collectorVersion.js";
import type { CommandRunner } from "./commandRunner.js";
import { type CollectorArgs, UsageError } from "./parseCollectorArgs.js";
import { resolveTarget } from "./resolveTarget.js";
import { runChecks } from "./runChecks.js";

export interface CollectorDeps {
  checks: readonly Check[];
  runner: CommandRunner;
  now: () => Date;
  progress: (message: string) => void;
}

/** Which checks run: the requested ones, else the implemented defaults that fit the target. */
export function selectChecks(args: CollectorArgs, available: readonly Check[]): Check[] {
  const node = "node" in args.target;
  if (args.checks) {
    const chosen = available.filter((c) => args.checks!.includes(c.name));
    const podOnly = chosen.filter((c) => c.scope === "pod");
    if (node && podOnly.length > 0) {
      throw new UsageError(
        `check(s) ${podOnly.map((c) => c.name).join(", ")} need a target (--pid or --container-id), not --node`,
      );
    }
    return chosen;
  }
  return available.filter((c) => DEFAULT_CHECKS.includes(c.name) && (!node || c.scope !== "pod"));
}

function timeoutMsFor(args: CollectorArgs) {
  return (check: Check): number => {
    // perf record's window, then perf script and the fold: on a busy node (what is profiled is
    // usually why it is busy) the fold of a whole-node profile took longer than 30 s. The Job's
    // deadline (--deadline-seconds) still cuts it first when it is shorter.
    if (check.name === "profile") return ((args.profile?.seconds ?? 30) + 120) * 1000;
    return Math.max(15_000, args.sampleSeconds * 1000 + 15_000);
  };
}

/** Beyond the longest check: resolving the target (a /proc scan), analysis and the report. */
const DEADLINE_MARGIN_MS = 30_000;

/**
 * When the collector must have reported and exited, from its start: --deadline-seconds, else the
 * longest check's timeout plus a margin.
 */
export function collectorDeadlineMs(args: CollectorArgs, available: readonly Check[]): number {
  if (args.deadlineSeconds !== undefined) return args.deadlineSeconds * 1000;
  const own = timeoutMsFor(args);
  return Math.max(0, ...selectChecks(args, available).map(own)) + DEADLINE_MARGIN_MS;
}

/** Checks are cut this long before the deadline, to leave time for the report. */
function reportReserveMs(deadlineMs: number): number {
  return Math.min(2_000, deadlineMs / 4);
}

/** Resolve the target, run the checks, analyze: the whole diagnosis, as a report. */
export async function runCollector(
  args: CollectorArgs,
  deps: CollectorDeps,
): Promise<CollectorReport> {
  const started = deps.now();
  const t0 = performance.now();
  const checks = selectChecks(args, deps.checks);
  deps.progress(`resolving target ${JSON.stringify(args.target)}`);
  const target = await resolveTarget(args.target, args.procRoot);
  deps.progress(
    target.kind === "node"
      ? `node ${target.hostname}`
      : `pids ${target.pids.join(",")}; cgroup v${target.cgroupVersion ?? "?"} ${JSON.stringify(target.cgroupPaths)}`,
  );
  const ctx: CheckContext = {
    target,
    procRoot: args.procRoot,
    sysRoot: args.sysRoot,
    kmsgPath: args.kmsgPath,
    options: {
      sampleSeconds: args.sampleSeconds,
      ...(args.profile ? { profile: args.profile } : {}),
    },
    runner: deps.runner,
    now: deps.now,
    progress: deps.progress,
  };
  // Each check gets its own timeout, cut so that all end before the collector's deadline.
  const deadlineMs = collectorDeadlineMs(args, deps.checks);
  const cutOff = t0 + deadlineMs - reportReserveMs(deadlineMs);
  const own = timeoutMsFor(args);
  const results = await runChecks(checks, ctx, (check) =>
    Math.max(1, Math.round(Math.min(own(check), cutOff - performance.now()))),
  );
  const findings = analyzeReport(results);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: {
      version: COLLECTOR_VERSION,
      startedAt: started.toISOString(),
      durationMs: Math.round(performance.now() - t0),
    },
    target,
    checks: results,
    findings,
  };
}
