import type { CheckName } from "../api/v1alpha1/diagnosis.js";
import type { TargetInfo } from "../report/collectorReport.js";
import type { CommandRunner } from "./commandRunner.js";

export interface CollectorOptions {
  /** Interval for rate sampling (network counters, softirqs). */
  sampleSeconds: number;
  profile?: {
    seconds: number;
    frequency: number;
    pid?: number;
    kernelThread?: string;
  };
}

/** Everything a probe may touch, injected so tests can point it at recorded trees. */
export interface CheckContext {
  target: TargetInfo;
  /** Usually "/proc"; tests may use a recorded copy. */
  procRoot: string;
  /** Usually "/sys"; cgroup files are read under `${sysRoot}/fs/cgroup`. */
  sysRoot: string;
  /** Usually "/dev/kmsg". */
  kmsgPath: string;
  options: CollectorOptions;
  runner: CommandRunner;
  now: () => Date;
  /** Progress for a person, to stderr; never part of the JSON report. */
  progress: (message: string) => void;
}

/**
 * A probe: `collect` gathers raw evidence at the edges (files, commands). The rules that turn the
 * evidence into findings are in operator/analysis/analyzeReport.ts, shared with the operator.
 * `collect` throws ToolUnavailableError when its tools are missing or not permitted.
 */
export interface Check<T = unknown> {
  name: CheckName;
  /** Needs a target process (pod), runs at node level (node), or either (any: node = host's view). */
  scope: "pod" | "node" | "any";
  collect(ctx: CheckContext): Promise<T>;
}
