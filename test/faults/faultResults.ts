/** The fault suite's results as a plain-text table (pure). */
import type { ExperimentResult } from "./faultExperiment.js";

const COLUMNS: Array<{ header: string; cell(r: ExperimentResult): string }> = [
  { header: "experiment", cell: (r) => r.name },
  { header: "sent", cell: (r) => String(r.sent) },
  { header: "accounted", cell: (r) => String(r.accounted) },
  { header: "lost", cell: (r) => String(r.lost) },
  { header: "dup jobs", cell: (r) => String(r.duplicateJobs) },
  { header: "dup diag", cell: (r) => String(r.duplicateDiagnoses) },
  { header: "jobs (max active)", cell: (r) => `${r.jobs} (${r.maxActiveJobs})` },
  { header: "created logs (twice)", cell: (r) => `${r.jobCreatedLogs} (${r.jobsCreatedTwice})` },
  {
    header: "recovery s (bound)",
    cell: (r) =>
      `${r.recoverySeconds === null ? "never" : r.recoverySeconds.toFixed(1)} (${r.boundSeconds})`,
  },
  { header: "time s", cell: (r) => r.seconds.toFixed(0) },
];

export function renderResults(results: readonly ExperimentResult[]): string {
  const rows = results.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) =>
    Math.max(c.header.length, ...rows.map((row) => row[i]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ");
  return [
    line(COLUMNS.map((c) => c.header)),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}
