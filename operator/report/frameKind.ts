/**
 * Frame naming in collapsed stacks, as stackcollapse-perf.pl --all writes it:
 * kernel frames end in "_[k]", JIT frames in "_[j]", inlined ones in "_[i]", unresolved ones are "[unknown]"
 * or "[<dso basename>]". The renderer colours frames by this kind.
 */
export type FrameKind = "kernel" | "user" | "jit" | "inline" | "unknown" | "root";

export const KERNEL_SUFFIX = "_[k]";
export const JIT_SUFFIX = "_[j]";
/** A frame the JIT inlined into its caller (perf-map-agent's "a->b->c" chains), as the peers mark it. */
export const INLINE_SUFFIX = "_[i]";
export const UNKNOWN_FRAME = "[unknown]";

export function frameKind(name: string): FrameKind {
  if (name.endsWith(KERNEL_SUFFIX)) return "kernel";
  if (name.endsWith(JIT_SUFFIX)) return "jit";
  if (name.endsWith(INLINE_SUFFIX)) return "inline";
  if (name.startsWith("[") && name.endsWith("]")) return "unknown";
  return "user";
}

/** The name without its kind annotation, for display. */
export function displayName(name: string): string {
  return name.endsWith(KERNEL_SUFFIX) || name.endsWith(JIT_SUFFIX) || name.endsWith(INLINE_SUFFIX)
    ? name.slice(0, -4)
    : name;
}
