import type { CollapsedStacks } from "../../report/collapsedText.js";
import { INLINE_SUFFIX, JIT_SUFFIX, KERNEL_SUFFIX, UNKNOWN_FRAME } from "../../report/frameKind.js";
import type { PerfFrame, PerfSample } from "./parsePerfScript.js";

/** What a count in the collapsed stacks is. */
export type StackWeighting = "samples" | "period";

export interface CollapseOptions {
  /** Root frame "comm-pid" instead of "comm" (stackcollapse-perf --pid). */
  includePid?: boolean;
  /**
   * "samples" (default): one per sample, as stackcollapse-perf.pl and inferno count.
   * "period": each sample weighs its period (events, or ns of cpu-clock); samples without one
   * weigh the median period of the others.
   */
  weighting?: StackWeighting;
  /** Keep only this event; default: the first event seen, as the peers do (mixing is misleading). */
  event?: string;
}

export interface CollapseResult {
  stacks: CollapsedStacks;
  weighting: StackWeighting;
  /** The event kept, when perf printed one. */
  event?: string;
  /** Samples of the kept event, and of other events left out. */
  samples: number;
  otherEventSamples: number;
}

/**
 * Folds samples the way stackcollapse-perf.pl --kernel --jit and inferno's collapse-perf do: the
 * comm (spaces as "_") is the root, frames root to leaf, offsets stripped, kernel frames
 * ([kernel.kallsyms], modules, versioned vmlinux-*, *.ko, bpf_prog_*) suffixed "_[k]" even when
 * their symbol is unknown, JIT frames "_[j]", frames of an inline chain "a->b->c" after the first
 * "_[i]", unresolved symbols named after their dso, Java's "L" signature prefix dropped.
 */
export function collapseSamples(
  samples: Iterable<PerfSample>,
  options: CollapseOptions = {},
): CollapseResult {
  const weighting = options.weighting ?? "samples";
  const out: CollapsedStacks = new Map();
  const names = new Map<string, string[]>();
  const namesOf = (f: PerfFrame) => {
    const key = `${f.symbol}\0${f.dso}`;
    let n = names.get(key);
    if (n === undefined) {
      n = frameNames(f);
      names.set(key, n);
    }
    return n;
  };
  let event = options.event;
  let kept = 0;
  let other = 0;
  const list = [...samples];
  const periods = list.map((s) => s.period).filter((p): p is number => p !== undefined && p > 0);
  const fallbackPeriod = periods.length > 0 ? median(periods) : 1;
  for (const s of list) {
    if (s.event !== undefined) {
      event ??= s.event;
      if (s.event !== event) {
        other++;
        continue;
      }
    }
    kept++;
    const comm = s.comm.replace(/ /g, "_");
    let key = options.includePid ? `${comm}-${s.pid ?? s.tid}` : comm;
    for (let i = s.frames.length - 1; i >= 0; i--) {
      const frame = s.frames[i];
      if (frame) for (const n of namesOf(frame)) key += `;${n}`;
    }
    const weight =
      weighting === "period"
        ? s.period !== undefined && s.period > 0
          ? s.period
          : fallbackPeriod
        : 1;
    out.set(key, (out.get(key) ?? 0) + weight);
  }
  const result: CollapseResult = {
    stacks: out,
    weighting,
    samples: kept,
    otherEventSamples: other,
  };
  if (event !== undefined) result.event = event;
  return result;
}

/** The stacks alone, one count per sample of the first event. */
export function collapseStacks(
  samples: Iterable<PerfSample>,
  options: CollapseOptions = {},
): CollapsedStacks {
  return collapseSamples(samples, options).stacks;
}

/** One perf frame as collapsed frames: more than one for an inline chain. */
function frameNames(frame: PerfFrame): string[] {
  const kernel = isKernel(frame);
  const jit = isJit(frame.dso);
  const chain = frame.symbol.split("->").slice(0, 64);
  return chain.map((part, i) => {
    let name: string;
    if (part === UNKNOWN_FRAME) {
      if (frame.dso === UNKNOWN_FRAME) return UNKNOWN_FRAME;
      // Named after its mapping, as the peers do: "[libc.so.6]", "[kernel.kallsyms]".
      name = `[${frame.dso.replace(/.*\//, "").replace(/^\[|\]$/g, "")}]`;
    } else {
      name = tidy(part);
    }
    if (i > 0) return name + INLINE_SUFFIX;
    if (kernel) return name + KERNEL_SUFFIX;
    if (jit) return name + JIT_SUFFIX;
    return name;
  });
}

/** ';' separates frames, so it may not stay in a name; C++ argument lists are noise. */
function tidy(symbol: string): string {
  let s = symbol.replace(/;/g, ":");
  // Go methods look like "pkg.(*T).Method" and keep their parentheses.
  if (!/\.\(.*\)\./.test(s)) s = s.replace(/\((?!anonymous namespace\)).*/, "");
  s = s.replace(/["']/g, "").trim();
  // JVM signatures: "Ljava/io/PrintStream:::print" -> "java/io/PrintStream:::print".
  if (/^L[\w$]+\//.test(s)) s = s.slice(1);
  return s === "" ? symbol.replace(/;/g, ":") : s;
}

function isKernel(frame: PerfFrame): boolean {
  const dso = frame.dso;
  if (frame.symbol.startsWith("bpf_prog_") || dso.startsWith("bpf_prog_")) return true;
  // [vdso] and [vsyscall] are user-mode code the kernel maps in.
  if (dso === "[vdso]" || dso === "[vsyscall]" || dso === UNKNOWN_FRAME || dso.startsWith("[JIT"))
    return false;
  if (dso.startsWith("[")) return true;
  const base = dso.replace(/.*\//, "");
  return /^vmlinux(?:-.*)?$/.test(base) || /\.ko(?:\.(?:xz|gz|zst))?$/.test(base);
}

function isJit(dso: string): boolean {
  return /\/perf-\d+\.map$/.test(dso) || dso.startsWith("[JIT") || /jitted-\d+-\d+\.so$/.test(dso);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 1;
}
