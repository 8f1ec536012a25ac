import type { CollapsedStacks } from "../../report/collapsedText.js";
import { frameNames } from "./frameNames.js";
import type { PerfSample } from "./parsePerfScript.js";
import {
  type CollapseLimits,
  type CollapseOptions,
  type CollapseResult,
  StackFolder,
} from "./stackFolder.js";

export type {
  CollapseLimits,
  CollapseOptions,
  CollapseResult,
  StackWeighting,
} from "./stackFolder.js";

/**
 * Folds parsed samples the way stackcollapse-perf.pl --kernel --jit and inferno's collapse-perf
 * do (frameNames.ts): the comm (spaces as "_") is the root, frames root to leaf. For `perf
 * script` output as a stream, collapsePerfScript reads and folds without sample objects.
 */
export function collapseSamples(
  samples: Iterable<PerfSample>,
  options: CollapseOptions = {},
  limits: Partial<CollapseLimits> = {},
): CollapseResult {
  const folder = new StackFolder(options, limits);
  const ids = new Map<string, number[]>();
  for (const s of samples) {
    if (!folder.begin(s)) continue;
    for (const f of s.frames) {
      const key = `${f.symbol}\0${f.dso}`;
      let frameIds = ids.get(key);
      if (frameIds === undefined) {
        frameIds = frameNames(f).map((n) => folder.nameId(n));
        ids.set(key, frameIds);
      }
      folder.frame(frameIds);
    }
    folder.end();
  }
  return folder.result();
}

/** The stacks alone, one count per sample of the first event. */
export function collapseStacks(
  samples: Iterable<PerfSample>,
  options: CollapseOptions = {},
): CollapsedStacks {
  return collapseSamples(samples, options).stacks;
}
