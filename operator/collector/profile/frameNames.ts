import { INLINE_SUFFIX, JIT_SUFFIX, KERNEL_SUFFIX, UNKNOWN_FRAME } from "../../report/frameKind.js";
import type { PerfFrame } from "./parsePerfScript.js";

/**
 * One perf frame as collapsed frames, the way stackcollapse-perf.pl --kernel --jit and inferno's
 * collapse-perf name them: offsets stripped, kernel frames ([kernel.kallsyms], modules, versioned
 * vmlinux-*, *.ko, bpf_prog_*) suffixed "_[k]" even when their symbol is unknown, JIT frames
 * "_[j]", frames of an inline chain "a->b->c" after the first "_[i]" (so more than one name for
 * such a chain), unresolved symbols named after their dso, Java's "L" signature prefix dropped.
 */
export function frameNames(frame: PerfFrame): string[] {
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
