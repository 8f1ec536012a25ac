/** Collapsed stacks: "root;...;leaf" -> sample count (the folded format of stackcollapse tools). */
export type CollapsedStacks = Map<string, number>;

/** One "stack count" line per stack, sorted, as stackcollapse tools print them. */
export function formatCollapsed(stacks: CollapsedStacks): string {
  return [...stacks.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stack, n]) => `${stack} ${n}\n`)
    .join("");
}

/** Parses "stack count" lines; the count is the last space-separated field. Repeated stacks add up. */
export function parseCollapsed(text: string): CollapsedStacks {
  const out: CollapsedStacks = new Map();
  for (const line of text.split("\n")) {
    const m = /^(.*\S)\s+(\d+(?:\.\d+)?)\s*$/.exec(line);
    if (!m?.[1]) continue;
    const n = Number(m[2]);
    if (n > 0) out.set(m[1], (out.get(m[1]) ?? 0) + n);
  }
  return out;
}
