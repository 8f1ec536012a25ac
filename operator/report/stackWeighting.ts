/**
 * The flame graph subtitle saying what a frame's width counts. stackcollapse-perf.pl and
 * inferno's collapse-perf both add 1 per sample (and keep only the first event), so that is the
 * default here too; "period" weighs each sample by the events it stands for.
 */
export function weightingSubtitle(weighting?: "samples" | "period", event?: string): string {
  const of = event ? ` of ${event}` : "";
  return weighting === "period"
    ? `width: sum of sample periods${of} (events counted, ns for cpu-clock)`
    : `width: samples${of}, one per sample as stackcollapse-perf.pl and inferno count`;
}
