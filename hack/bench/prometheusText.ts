/**
 * One sample's value from Prometheus text exposition (the operator's /metrics): the first line of
 * `name` whose labels contain `labels`, if any.
 */
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
