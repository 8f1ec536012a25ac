/** A Diagnosis as a person reads it: target, phase, verdict, then the findings as a table. Pure. */
import type { Diagnosis, Finding, Phase, Severity } from "../api/v1alpha1/diagnosis.js";
import { type Palette, palette } from "./ansi.js";
import { formatElapsed } from "./parseDuration.js";
import { renderTable } from "./renderTable.js";

export interface ReportOptions {
  color?: boolean;
  /** Terminal width; default 120. */
  width?: number;
}

function severityStyle(p: Palette, severity: Severity | string): (s: string) => string {
  if (severity === "Critical") return (s) => p.bold(p.red(s));
  if (severity === "Warning") return p.yellow;
  return p.cyan;
}

function phaseStyle(p: Palette, phase: Phase | string | undefined): (s: string) => string {
  if (phase === "Succeeded") return p.green;
  if (phase === "Failed") return p.red;
  return p.yellow;
}

function describeTarget(d: Diagnosis): string {
  const t = d.spec?.target ?? {};
  const resolved = d.status?.target ?? {};
  const parts: string[] = [];
  if (t.pod) {
    parts.push(`pod ${t.pod}`);
    const container = t.container ?? resolved.container;
    if (container) parts.push(`container ${container}`);
  } else if (t.node) parts.push(`node ${t.node}`);
  if (t.pod && resolved.node) parts.push(`on node ${resolved.node}`);
  return parts.join(", ");
}

function describeTrigger(d: Diagnosis): string | undefined {
  const tr = d.status?.trigger;
  if (!tr) return undefined;
  const bits: string[] = [tr.source];
  const detail: string[] = [];
  if (tr.exitCode !== undefined) detail.push(`exit ${tr.exitCode}`);
  if (tr.reason) detail.push(tr.reason);
  if (tr.restartCount !== undefined) detail.push(`restart #${tr.restartCount}`);
  if (tr.workload) detail.push(`workload ${tr.workload}`);
  if (detail.length) bits.push(`(${detail.join(", ")})`);
  // restartsObserved counts every restart, the Diagnosis' own (restartCount) included.
  const more =
    tr.restartsObserved !== undefined
      ? tr.restartsObserved - (tr.restartCount !== undefined ? 1 : 0)
      : (tr.restarts?.length ?? 0);
  if (more > 0) bits.push(`+ ${more} later restart${more === 1 ? "" : "s"} recorded`);
  return bits.join(" ");
}

function duration(d: Diagnosis): string | undefined {
  const { startTime, completionTime } = d.status ?? {};
  if (!startTime || !completionTime) return undefined;
  const ms = Date.parse(completionTime) - Date.parse(startTime);
  return Number.isFinite(ms) ? formatElapsed(ms) : undefined;
}

const FINDING_COLUMNS = [
  { header: "SEVERITY" },
  { header: "CHECK" },
  { header: "CODE" },
  { header: "SUMMARY", wrap: true },
  { header: "REMEDIATION", wrap: true },
];

function renderFindingsTable(findings: readonly Finding[], options: ReportOptions = {}): string {
  const p = palette(options.color ?? false);
  const rows = findings.map((f) => [f.severity, f.check, f.code, f.summary, f.remediation ?? "-"]);
  return renderTable(FINDING_COLUMNS, rows, {
    width: options.width ?? 120,
    style: (row, col, text) =>
      col === 0 ? severityStyle(p, findings[row]?.severity ?? "Info")(text) : text,
  });
}

export function renderDiagnosisReport(d: Diagnosis, options: ReportOptions = {}): string {
  const p = palette(options.color ?? false);
  const s = d.status ?? {};
  const phase = s.phase ?? "Pending";
  const lines: string[] = [];
  const field = (label: string, value: string | undefined): void => {
    if (value) lines.push(`${`${label}:`.padEnd(11)}${value}`);
  };
  lines.push(p.bold(`Diagnosis ${d.metadata.namespace ?? ""}/${d.metadata.name ?? ""}`));
  field("Target", describeTarget(d));
  field("Trigger", describeTrigger(d));
  const took = duration(d);
  field("Phase", `${phaseStyle(p, phase)(phase)}${took ? ` (took ${took})` : ""}`);
  field("Checks", (d.spec?.checks ?? []).join(", ") || undefined);
  field("Job", s.jobName);
  field("Verdict", s.verdict ? p.bold(s.verdict) : undefined);

  const problems = (s.conditions ?? []).filter(
    (c) => (c.type === "Failed" && c.status === "True") || (phase === "Failed" && c.message),
  );
  if (phase === "Failed" && problems.length > 0) {
    lines.push("", p.red("Why it failed:"));
    for (const c of problems) lines.push(`  ${c.type} ${c.reason}: ${c.message}`);
  }

  const findings = s.findings ?? [];
  lines.push("");
  if (findings.length === 0) {
    lines.push(
      phase === "Succeeded" || phase === "Failed"
        ? "No findings: every check came back healthy or could not run."
        : `No findings yet (${phase}).`,
    );
  } else {
    const counts = (["Critical", "Warning", "Info"] as const)
      .map((sev) => [sev, findings.filter((f) => f.severity === sev).length] as const)
      .filter(([, n]) => n > 0)
      .map(([sev, n]) => severityStyle(p, sev)(`${n} ${sev}`));
    lines.push(`Findings (${counts.join(", ")}), most severe first:`);
    lines.push(renderFindingsTable(findings, options));
  }

  const unavailable = checksNotRun(s.report);
  if (unavailable.length > 0) {
    lines.push("", p.dim("Checks that did not run:"));
    for (const u of unavailable) lines.push(p.dim(`  ${u.check}: ${u.status}: ${u.reason}`));
  }
  return `${lines.join("\n")}\n`;
}

/** Checks the collector reported as unavailable or errored (status.report.checks). */
export function checksNotRun(
  report: Record<string, unknown> | undefined,
): { check: string; status: string; reason: string }[] {
  const checks = report?.checks;
  if (!checks || typeof checks !== "object") return [];
  const out: { check: string; status: string; reason: string }[] = [];
  for (const [check, r] of Object.entries(checks as Record<string, unknown>)) {
    const result = r as { status?: unknown; reason?: unknown } | null;
    if (result && (result.status === "unavailable" || result.status === "error"))
      out.push({ check, status: String(result.status), reason: String(result.reason ?? "") });
  }
  return out;
}
