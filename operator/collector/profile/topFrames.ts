import type { CollapsedStacks } from "../../report/collapsedText.js";
import type { FrameStat, TopFrames } from "../../report/evidence/profileEvidence.js";
import { displayName, type FrameKind, frameKind } from "../../report/frameKind.js";

export function topFrames(stacks: CollapsedStacks, limit = 20): TopFrames {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const process = new Map<string, number>();
  let totalSamples = 0;
  let kernelSamples = 0;
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const [stack, n] of stacks) {
    const frames = stack.split(";");
    totalSamples += n;
    add(process, frames[0] ?? "", n);
    const below = frames.slice(1);
    const leaf = below.at(-1);
    if (leaf === undefined) continue;
    add(self, leaf, n);
    if (frameKind(leaf) === "kernel") kernelSamples += n;
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
  };
}

function pct(n: number, of: number): number {
  return of > 0 ? Math.round((n / of) * 10000) / 100 : 0;
}
