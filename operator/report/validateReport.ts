/**
 * Validates a collector report against the versioned schema in collectorReport.ts before the
 * operator trusts a byte of it. Pure. Over-long strings in findings are cut to the CRD bounds
 * rather than rejected; anything structurally wrong is rejected with the path that is wrong.
 */
import {
  ALL_CHECKS,
  type CheckName,
  type Finding,
  type Severity,
} from "../api/v1alpha1/diagnosis.js";
import {
  type CheckResult,
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
  type TargetInfo,
} from "./collectorReport.js";

export class ReportValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportValidationError";
  }
}

const SEVERITIES: readonly Severity[] = ["Critical", "Warning", "Info"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(path: string, what: string): never {
  throw new ReportValidationError(`report ${path}: ${what}`);
}

function finding(v: unknown, path: string): Finding {
  if (!isRecord(v)) fail(path, "not an object");
  if (!ALL_CHECKS.includes(v.check as CheckName)) fail(`${path}.check`, "unknown check");
  if (!SEVERITIES.includes(v.severity as Severity)) fail(`${path}.severity`, "unknown severity");
  if (typeof v.code !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(v.code))
    fail(`${path}.code`, "must be 1-64 characters [A-Za-z0-9_.-]");
  if (typeof v.summary !== "string") fail(`${path}.summary`, "not a string");
  if (v.remediation !== undefined && typeof v.remediation !== "string")
    fail(`${path}.remediation`, "not a string");
  if (v.evidence !== undefined && !isRecord(v.evidence)) fail(`${path}.evidence`, "not an object");
  const out: Finding = {
    check: v.check as CheckName,
    severity: v.severity as Severity,
    code: v.code,
    summary: v.summary.slice(0, 1024),
    source: "Collector",
  };
  if (typeof v.remediation === "string") out.remediation = v.remediation.slice(0, 2048);
  if (isRecord(v.evidence)) out.evidence = v.evidence;
  return out;
}

function checkResult(v: unknown, path: string): CheckResult {
  if (!isRecord(v)) fail(path, "not an object");
  const durationMs =
    typeof v.durationMs === "number" ? v.durationMs : fail(`${path}.durationMs`, "not a number");
  if (v.status === "ok") return { status: "ok", durationMs, data: v.data };
  if (v.status === "unavailable" || v.status === "error") {
    if (typeof v.reason !== "string") fail(`${path}.reason`, "not a string");
    return { status: v.status, durationMs, reason: v.reason };
  }
  return fail(`${path}.status`, "must be ok, unavailable or error");
}

function target(v: unknown): TargetInfo {
  if (!isRecord(v)) fail("target", "not an object");
  if (v.kind !== "pod" && v.kind !== "node") fail("target.kind", "must be pod or node");
  if (!Array.isArray(v.pids) || !v.pids.every((p) => Number.isInteger(p)))
    fail("target.pids", "not a list of integers");
  if (typeof v.hostname !== "string") fail("target.hostname", "not a string");
  const cgroupPaths: Record<string, string> = {};
  if (isRecord(v.cgroupPaths))
    for (const [k, p] of Object.entries(v.cgroupPaths))
      if (typeof p === "string") cgroupPaths[k] = p;
  const out: TargetInfo = {
    kind: v.kind,
    pids: v.pids as number[],
    cgroupPaths,
    hostname: v.hostname,
  };
  if (typeof v.containerId === "string") out.containerId = v.containerId;
  if (v.cgroupVersion === 1 || v.cgroupVersion === 2) out.cgroupVersion = v.cgroupVersion;
  return out;
}

export function validateCollectorReport(v: unknown): CollectorReport {
  if (!isRecord(v)) fail("", "not an object");
  if (v.schemaVersion !== REPORT_SCHEMA_VERSION)
    fail("schemaVersion", `${JSON.stringify(v.schemaVersion)} is not ${REPORT_SCHEMA_VERSION}`);
  const c = v.collector;
  if (
    !isRecord(c) ||
    typeof c.version !== "string" ||
    typeof c.startedAt !== "string" ||
    typeof c.durationMs !== "number"
  )
    fail("collector", "needs version, startedAt and durationMs");
  if (!isRecord(v.checks)) fail("checks", "not an object");
  const checks: Partial<Record<CheckName, CheckResult>> = {};
  for (const [name, result] of Object.entries(v.checks)) {
    if (!ALL_CHECKS.includes(name as CheckName)) fail(`checks.${name}`, "unknown check");
    checks[name as CheckName] = checkResult(result, `checks.${name}`);
  }
  if (!Array.isArray(v.findings)) fail("findings", "not a list");
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: { version: c.version, startedAt: c.startedAt, durationMs: c.durationMs },
    target: target(v.target),
    checks,
    findings: v.findings.map((f, i) => finding(f, `findings[${i}]`)),
  };
}
