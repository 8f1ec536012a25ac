/**
 * Frame naming in collapsed stacks, as stackcollapse-perf.pl --all writes it:
 * kernel frames end in "_[k]", JIT frames in "_[j]", unresolved ones are "[unknown]"
 * or "[<dso basename>]". The renderer colours frames by this kind.
 */
export type FrameKind = "kernel" | "user" | "jit" | "unknown" | "root";

export const KERNEL_SUFFIX = "_[k]";
export const JIT_SUFFIX = "_[j]";
export const UNKNOWN_FRAME = "[unknown]";

export function frameKind(name: string): FrameKind {
  if (name.endsWith(KERNEL_SUFFIX)) return "kernel";
  if (name.endsWith(JIT_SUFFIX)) return "jit";
  if (name.startsWith("[") && name.endsWith("]")) return "unknown";
  return "user";
}

/** The name without its kind annotation, for display. */
export function displayName(name: string): string {
  return name.endsWith(KERNEL_SUFFIX) || name.endsWith(JIT_SUFFIX) ? name.slice(0, -4) : name;
}
