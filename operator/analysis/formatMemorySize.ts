const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * A size as a person sets it in a pod spec (Kubernetes binary suffixes): 536870912 -> "512Mi",
 * 2092957696 -> "1.95Gi", 1073741824 -> "1Gi".
 */
export function formatMemorySize(bytes: number): string {
  if (bytes >= GiB) {
    const g = bytes / GiB;
    return `${Number.isInteger(g) ? g : g.toFixed(2)}Gi`;
  }
  if (bytes >= MiB) {
    const m = bytes / MiB;
    return `${Number.isInteger(m) ? m : m.toFixed(1)}Mi`;
  }
  if (bytes >= KiB) return `${Math.round(bytes / KiB)}Ki`;
  return `${bytes}B`;
}

export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}
