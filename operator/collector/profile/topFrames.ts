import type { CollapsedStacks } from "../../report/collapsedText.js";
import type { FrameStat, TopFrames } from "../../report/evidence/profileEvidence.js";
import { displayName, type FrameKind, frameKind } from "../../report/frameKind.js";

/** Leaf functions of the idle loop: a CPU sampled here was doing nothing. */
const IDLE_LEAF =
  /^(?:[\w]*safe_halt|intel_idle(?:_\w+)?|mwait_idle(?:_\w+)?|acpi_idle_\w+|acpi_safe_halt|default_idle(?:_call)?|arch_cpu_idle|cpu_idle_poll|poll_idle|cpuidle_enter_state|do_idle|cpu_startup_entry|hv_native_safe_halt|pv_native_safe_halt|native_halt)$/;

/** Whether a collapsed stack is the idle task idling (not interrupt work done on an idle CPU). */
export function isIdleStack(frames: readonly string[]): boolean {
  const leaf = frames.at(-1);
  if (leaf === undefined || frames.length < 2) return false;
  return frameKind(leaf) === "kernel" && IDLE_LEAF.test(displayName(leaf));
}

export function topFrames(stacks: CollapsedStacks, limit = 20): TopFrames {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const process = new Map<string, number>();
  let totalSamples = 0;
  let kernelSamples = 0;
  let idleSamples = 0;
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const [stack, n] of stacks) {
    const frames = stack.split(";");
    totalSamples += n;
    add(process, frames[0] ?? "", n);
    const below = frames.slice(1);
    const leaf = below.at(-1);
    if (leaf === undefined) continue;
    add(self, leaf, n);
    if (isIdleStack(frames)) idleSamples += n;
    else if (frameKind(leaf) === "kernel") kernelSamples += n;
    for (const f of new Set(below)) add(total, f, n);
  }
  const rank = (m: Map<string, number>, kind?: FrameKind): FrameStat[] =>
    [...m.entries()]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([frame, samples]) => ({
        frame: displayName(frame),
        kind: kind ?? frameKind(frame),
        samples,
        percent: pct(samples, totalSamples),
      }));
  return {
    totalSamples,
    bySelf: rank(self),
    byTotal: rank(total),
    byProcess: rank(process, "root"),
    kernelPercent: pct(kernelSamples, totalSamples),
    idlePercent: pct(idleSamples, totalSamples),
  };
}

function pct(n: number, of: number): number {
  return of > 0 ? Math.round((n / of) * 10000) / 100 : 0;
}
