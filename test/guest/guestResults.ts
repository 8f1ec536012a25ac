import type { CollectorReport } from "../../operator/report/collectorReport.js";

/**
 * What the guest suite brings back over the 9p share (out/results.json): per scenario, the
 * collector runs it made and the facts of the fault it made (exit signals, cgroup files, tc
 * output), so the host-side mocha test can assert on real kernel behaviour and on the report.
 */
export interface GuestResults {
  kernel: string;
  cgroupControllers: string;
  startedAt: string;
  finished: boolean;
  scenarios: Record<string, ScenarioResult>;
}

export interface CollectorRun {
  args: string[];
  exitCode: number | null;
  /** The JSON report (last line of stdout), when it printed one. */
  report?: CollectorReport;
  stderrTail: string;
  wallMs: number;
}

export interface ScenarioResult {
  ok: boolean;
  /** Why the scenario could not be made or run (the fault, not the collector's verdict). */
  error?: string;
  seconds: number;
  /** Facts about the fault as made: strings and numbers only, named by the scenario. */
  facts: Record<string, string | number | boolean | undefined>;
  runs: Record<string, CollectorRun>;
}

/** The scenario ids, in the order the guest runs them. */
export const SCENARIO_IDS = [
  "s1Xmx",
  "s1MaxRam",
  "s1Fits",
  "s1Cpu",
  "podLimitOom",
  "nodeAllocatableOom",
  "s2Seed",
  "s2Gemodel",
  "s3SynFlood",
] as const;

export type ScenarioId = (typeof SCENARIO_IDS)[number];
