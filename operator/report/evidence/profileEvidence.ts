/** Raw evidence of the profile check (the `checks.profile.data` of a report). */
import type { CollapsedBlob } from "../collapsedBlob.js";
import type { FrameKind } from "../frameKind.js";

export interface FrameStat {
  frame: string;
  kind: FrameKind;
  samples: number;
  percent: number;
}

export interface TopFrames {
  totalSamples: number;
  /** Samples where the frame is the leaf: where the CPU was. */
  bySelf: FrameStat[];
  /** Samples with the frame anywhere on the stack (counted once per sample, recursion included). */
  byTotal: FrameStat[];
  /** By root frame: the command (comm) that was on CPU. */
  byProcess: FrameStat[];
  /** Share of samples whose leaf is a kernel frame, idle excluded. */
  kernelPercent: number;
  /** Share of samples where the CPU was idle (the idle task halted in cpuidle/*_safe_halt). */
  idlePercent?: number;
}

export interface ProfileEvidence {
  mode: "node" | "pid" | "kernelThread";
  /** Profiled pids (empty for the whole node). */
  pids: number[];
  /** For mode kernelThread: the comm of each profiled thread. */
  threads?: { pid: number; comm: string }[];
  seconds: number;
  frequency: number;
  samples: number;
  /** perf record stopped at its size cap before `seconds` ended: the samples cover less time. */
  sizeLimitReached?: boolean;
  /** perf script lines the parser did not understand. */
  unrecognizedLines: number;
  /** The first of them (cut), to say what was not understood. */
  firstUnrecognizedLine?: string;
  /** The perf event profiled; samples of other events are left out (counted here). */
  event?: string;
  otherEventSamples?: number;
  /** Set when folding a long or hostile profile reached a bound: what was cut or merged. */
  collapseLimitNote?: string;
  collapsed: CollapsedBlob;
  top: TopFrames;
}
