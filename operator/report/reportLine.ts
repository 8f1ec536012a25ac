/**
 * The report channel: how a collector's report reaches the operator through the pod log.
 *
 * The threat: the pod log interleaves the collector's stdout and stderr, and the collector handles
 * hostile strings (a target's paths, command line, java.home). Any of them printed raw could start
 * a line of its own that looks like a report, and the operator would store findings a tenant chose.
 *
 * The design:
 * - Per Job, the operator draws a random token (128 bits), passes it in the collector's argv
 *   (`--report-token`) and keeps it on the Job (annotation diagnose.dev/report-token). The Job is
 *   in the operator's namespace, which tenants cannot read; the token is never printed.
 * - The collector prints the report last, as one stdout line:
 *       diagnose-report/v1 <token> <report JSON>
 *   at most MAX_REPORT_LINE_BYTES (fitReport drops the largest check data first), then exits.
 *   Its stderr progress is one line per message, control characters replaced, capped
 *   (terminalText.ts), so no target string can start a line.
 * - The operator reads only the end of the log (tailLines/limitBytes, see REPORT_LOG_TAIL), takes
 *   the last line that starts with the tag and ITS token, refuses it unparsed when over
 *   MAX_REPORT_LINE_BYTES, then parses and validates only that line (validateReport.ts). A line with
 *   another token, or none, is ignored however well-formed.
 * - The termination-message fallback carries the same token (terminationMessage.ts).
 * - Without a token (a person running `diagnose-collector --json`), the line is the bare JSON.
 * Pure: no I/O.
 */
import type { CheckName } from "../api/v1alpha1/diagnosis.js";
import type { CollectorReport } from "./collectorReport.js";

export const REPORT_LINE_TAG = "diagnose-report/v1";
/** A full report is tens of KiB, with profile stacks a few hundred: 2 MiB leaves room, and bounds what one parse may cost the operator. */
export const MAX_REPORT_LINE_BYTES = 2 * 1024 * 1024;
/** What a token looks like (the operator draws 32 hex digits). */
export const REPORT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * How much of the log end the operator asks for. The container runtime splits lines over 16 KiB
 * into partial records, and the kubelet counts those for tailLines: a 2 MiB line is 128 of them.
 * limitBytes then keeps the first bytes from that start: the report plus the progress before it.
 */
export const REPORT_LOG_TAIL = {
  tailLines: 256,
  limitBytes: MAX_REPORT_LINE_BYTES + 256 * 1024,
} as const;

/** The report with the largest check data dropped (marked) until its JSON fits maxBytes. */
export function fitReport(report: CollectorReport, maxBytes: number): CollectorReport {
  const size = (r: CollectorReport) => Buffer.byteLength(JSON.stringify(r));
  if (size(report) <= maxBytes) return report;
  const checks = { ...report.checks };
  const bySize = (Object.entries(checks) as [CheckName, CollectorReport["checks"][CheckName]][])
    .flatMap(([name, r]) =>
      r?.status === "ok"
        ? [{ name, bytes: Buffer.byteLength(JSON.stringify(r.data ?? null)) }]
        : [],
    )
    .sort((a, b) => b.bytes - a.bytes);
  let fitted: CollectorReport = { ...report, checks };
  for (const { name, bytes } of bySize) {
    const r = checks[name]!;
    checks[name] = {
      status: "ok",
      durationMs: r.durationMs,
      data: { truncated: true, dataBytes: bytes },
    };
    fitted = { ...report, checks };
    if (size(fitted) <= maxBytes) return fitted;
  }
  // Only findings are left to cut (rules emit a handful; this is the pathological case).
  const findings = [...report.findings];
  while (findings.length > 0 && size({ ...fitted, findings }) > maxBytes) findings.pop();
  return { ...fitted, findings };
}

/** The collector's report line (no trailing newline). */
export function encodeReportLine(report: CollectorReport, token: string): string {
  if (!REPORT_TOKEN_PATTERN.test(token)) throw new Error("report token: 16-128 of [A-Za-z0-9_-]");
  const prefix = `${REPORT_LINE_TAG} ${token} `;
  const budget = MAX_REPORT_LINE_BYTES - Buffer.byteLength(prefix);
  return `${prefix}${JSON.stringify(fitReport(report, budget))}`;
}

export type FoundReport = { found: true; json: unknown } | { found: false; problem: string };

/**
 * The report in a log (its end), accepted only on a line carrying `token`: the last such line,
 * refused unparsed when over MAX_REPORT_LINE_BYTES.
 */
export function findReportLine(log: string, token: string): FoundReport {
  const prefix = `${REPORT_LINE_TAG} ${token} `;
  let foreign = 0;
  let end = log.length;
  while (end > 0) {
    const start = log.lastIndexOf("\n", end - 1) + 1;
    const line = log.slice(start, end).replace(/\r$/, "");
    end = start - 1;
    if (line.startsWith(prefix)) {
      const bytes = Buffer.byteLength(line);
      if (bytes > MAX_REPORT_LINE_BYTES)
        return {
          found: false,
          problem: `the report line is ${bytes} bytes, over the ${MAX_REPORT_LINE_BYTES}-byte cap; not parsed`,
        };
      try {
        return { found: true, json: JSON.parse(line.slice(prefix.length)) };
      } catch {
        return { found: false, problem: "the report line with this Job's token is not JSON" };
      }
    }
    if (line.startsWith(`${REPORT_LINE_TAG} `) || line.trimStart().startsWith("{")) foreign++;
  }
  return {
    found: false,
    problem: `the collector log holds no report line with this Job's token${foreign > 0 ? ` (${foreign} report-like line(s) without it ignored)` : ""}`,
  };
}
