/** Latency summaries for the benchmarks: nearest-rank percentiles, rounded for the table. */

/**
 * Nearest-rank percentile (the smallest value with at least p% of the values at or below it), so
 * the result is always a measured value, never an interpolation between two events.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function summarizeLatencies(valuesMs: readonly number[]): LatencySummary {
  const r = (p: number) => roundTo(percentile(valuesMs, p), 1);
  return {
    count: valuesMs.length,
    p50Ms: r(50),
    p95Ms: r(95),
    p99Ms: r(99),
    maxMs: r(100),
  };
}

/** a / b rounded to 0.01; null when either side is missing or b is zero. */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return roundTo(a / b, 2);
}

export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

export function roundTo(x: number | null, decimals: number): number | null {
  if (x === null) return null;
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Growth between two memory samples spread over the objects added between them. */
export function bytesPerObject(
  small: { objects: number; bytes: number },
  large: { objects: number; bytes: number },
): number | null {
  const objects = large.objects - small.objects;
  if (objects <= 0) return null;
  return Math.round((large.bytes - small.bytes) / objects);
}
