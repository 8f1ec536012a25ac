import type { CheckName, Finding } from "../api/v1alpha1/diagnosis.js";
import type { CheckResult, CollectorReport } from "../report/collectorReport.js";
import { terminalLine } from "../report/terminalText.js";

/** Every string in the report may come from the target: one line each, no control characters. */
const line = (s: string): string => terminalLine(s, 2000);

const MARK: Record<Finding["severity"], string> = {
  Critical: "CRITICAL",
  Warning: "WARNING ",
  Info: "info    ",
};

function describeTarget(r: CollectorReport): string {
  const t = r.target;
  if (t.kind === "node") return `node ${line(t.hostname)}`;
  const paths = Object.entries(t.cgroupPaths)
    .map(([k, v]) => `${line(k)}=${line(v)}`)
    .join(" ");
  const id = t.containerId ? ` container ${line(t.containerId.slice(0, 12))}` : "";
  return `pids ${t.pids.join(", ")}${id} on ${line(t.hostname)}, cgroup v${t.cgroupVersion ?? "?"} (${paths})`;
}

/** Pure: the report as text for a person at a terminal; target strings made safe (terminalText.ts). */
export function renderReport(r: CollectorReport): string {
  const lines: string[] = [];
  lines.push(`Diagnosis of ${describeTarget(r)}`);
  lines.push(
    `collector ${line(r.collector.version)}, started ${line(r.collector.startedAt)}, took ${r.collector.durationMs} ms`,
  );
  lines.push("");
  lines.push("Checks:");
  for (const [name, res] of Object.entries(r.checks) as [CheckName, CheckResult][]) {
    const detail = res.status === "ok" ? "" : `: ${line(res.reason)}`;
    lines.push(
      `  ${name.padEnd(8)} ${res.status.padEnd(11)} ${String(res.durationMs).padStart(8)} ms${detail}`,
    );
  }
  lines.push("");
  if (r.findings.length === 0) {
    lines.push("Findings: none");
  } else {
    lines.push("Findings (most severe first):");
    for (const f of r.findings) {
      lines.push(`  ${MARK[f.severity]} [${f.check}] ${line(f.code)}`);
      lines.push(`           ${line(f.summary)}`);
      if (f.remediation) lines.push(`           fix: ${line(f.remediation)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
