/** Reading the operator's /metrics (Prometheus text exposition). */

/** Reconciles and their mean duration per controller, from the reconcile duration histogram. */
export function reconcileStats(
  text: string,
  controllers: readonly string[],
): Record<string, { count: number; meanMs: number | null }> {
  const out: Record<string, { count: number; meanMs: number | null }> = {};
  const h = "controller_runtime_reconcile_time_seconds";
  for (const c of controllers) {
    const label = `controller="${c}"`;
    const count = metricValue(text, `${h}_count`, label) ?? 0;
    const sum = metricValue(text, `${h}_sum`, label);
    out[c] = {
      count,
      meanMs: count > 0 && sum !== undefined ? Math.round((sum / count) * 10_000) / 10 : null,
    };
  }
  return out;
}

/** One sample's value: the first line of `name` whose labels contain `labels`, if any. */
export function metricValue(text: string, name: string, labels = ""): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(" ") || rest.startsWith("{"))) continue;
    if (labels && !rest.includes(labels)) continue;
    const v = Number(rest.trim().split(/\s+/).at(-1));
    if (Number.isFinite(v)) return v;
  }
  return undefined;
}
