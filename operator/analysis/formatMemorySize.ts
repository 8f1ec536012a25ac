const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** 536870912 -> "512MiB", 2092957696 -> "1.95GiB", as a person reads a limit. */
export function formatMemorySize(bytes: number): string {
  if (bytes >= GiB) {
    const g = bytes / GiB;
    return `${Number.isInteger(g) ? g : g.toFixed(2)}GiB`;
  }
  if (bytes >= MiB) {
    const m = bytes / MiB;
    return `${Number.isInteger(m) ? m : m.toFixed(1)}MiB`;
  }
  if (bytes >= 1024) return `${Math.round(bytes / 1024)}KiB`;
  return `${bytes}B`;
}

export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}
