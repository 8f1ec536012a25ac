import type { CollapsedStacks } from "../../report/collapsedText.js";
import { JIT_SUFFIX, KERNEL_SUFFIX, UNKNOWN_FRAME } from "../../report/frameKind.js";
import type { PerfFrame, PerfSample } from "./parsePerfScript.js";

export interface CollapseOptions {
  /** Root frame "comm-pid" instead of "comm" (stackcollapse-perf --pid). */
  includePid?: boolean;
}

/**
 * Folds samples the way stackcollapse-perf.pl --all does: the comm (spaces as "_") is the root,
 * frames root to leaf, offsets stripped, kernel frames suffixed "_[k]" and JIT frames "_[j]",
 * unresolved symbols named after their dso ("[libc.so.6]") or "[unknown]". One count per sample.
 */
export function collapseStacks(
  samples: Iterable<PerfSample>,
  options: CollapseOptions = {},
): CollapsedStacks {
  const out: CollapsedStacks = new Map();
  // The same few thousand frames repeat across samples: name each once.
  const names = new Map<string, string>();
  const nameOf = (f: PerfFrame) => {
    const key = `${f.symbol}\0${f.dso}`;
    let n = names.get(key);
    if (n === undefined) {
      n = frameName(f);
      names.set(key, n);
    }
    return n;
  };
  for (const s of samples) {
    const comm = s.comm.replace(/ /g, "_");
    const root = options.includePid ? `${comm}-${s.pid ?? s.tid}` : comm;
    let key = root;
    for (let i = s.frames.length - 1; i >= 0; i--) {
      const frame = s.frames[i];
      if (frame) key += `;${nameOf(frame)}`;
    }
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function frameName(frame: PerfFrame): string {
  if (frame.symbol === UNKNOWN_FRAME) {
    if (frame.dso === UNKNOWN_FRAME) return UNKNOWN_FRAME;
    // Named after its mapping, as stackcollapse-perf does: "[libc.so.6]", "[perf-123.map]_[j]".
    const name = `[${frame.dso.replace(/.*\//, "").replace(/^\[|\]$/g, "")}]`;
    return isJit(frame.dso) ? name + JIT_SUFFIX : name;
  }
  const name = tidy(frame.symbol);
  if (isJit(frame.dso)) return name + JIT_SUFFIX;
  if (isKernel(frame.dso)) return name + KERNEL_SUFFIX;
  return name;
}

/** ';' separates frames, so it may not stay in a name; C++ argument lists are noise. */
function tidy(symbol: string): string {
  let s = symbol.replace(/;/g, ":");
  // Go methods look like "pkg.(*T).Method" and keep their parentheses.
  if (!/\.\(.*\)\./.test(s)) s = s.replace(/\((?!anonymous namespace\)).*/, "");
  s = s.replace(/["']/g, "").trim();
  return s === "" ? symbol.replace(/;/g, ":") : s;
}

function isKernel(dso: string): boolean {
  // [vdso] and [vsyscall] are user-mode code the kernel maps in.
  if (dso === "[vdso]" || dso === "[vsyscall]" || dso === UNKNOWN_FRAME || dso.startsWith("[JIT"))
    return false;
  return dso.startsWith("[") || /vmlinux$/.test(dso);
}

function isJit(dso: string): boolean {
  return /\/perf-\d+\.map$/.test(dso) || dso.startsWith("[JIT") || /jitted-\d+-\d+\.so$/.test(dso);
}
