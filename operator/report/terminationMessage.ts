/**
 * The compact findings form a collector writes to its termination message, and the operator
 * reads back when the pod log is gone or unreadable.
 *
 * Wire format: base64(gzip(JSON CompactFindings)), at most TERMINATION_MESSAGE_MAX_BYTES bytes.
 * The kubelet keeps at most 4096 bytes of a container's termination message and truncates the
 * rest, which would corrupt gzip, so the encoder shrinks the content until it fits: first it drops
 * evidence, then remediations, then shortens summaries, then drops the least severe findings
 * (counted in `truncated`). Pure: no I/O.
 *
 * Trust: only the collector container writes this file (the kubelet bind-mounts it into that
 * container alone; a target would need the collector's mount namespace, i.e. root with ptrace
 * rights over the collector on the node). It still carries the Job's report token, so the
 * operator accepts it only for that Job: a termination message built from anything else (the
 * plain-text error the collector writes on a usage error, log text if the policy were ever
 * FallbackToLogsOnError) is refused rather than taken for findings.
 */
import {
  ALL_CHECKS,
  type CheckName,
  type Finding,
  type Severity,
} from "../api/v1alpha1/diagnosis.js";
import { type CollectorReport, rankFindings } from "./collectorReport.js";
import { zlib } from "./lazyZlib.js";

export const COMPACT_FINDINGS_SCHEMA_VERSION = "diagnose.dev/findings/v1";
/** The kubelet's cap on one container's termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;
/** Guards decoding against gzip bombs: the JSON inside is small by construction. */
const MAX_DECODED_BYTES = 256 * 1024;

export type CompactCheckStatus = "ok" | "unavailable" | "error";

export interface CompactFindings {
  schemaVersion: typeof COMPACT_FINDINGS_SCHEMA_VERSION;
  /** The full report's schema version, so the operator knows what produced these. */
  reportSchemaVersion: string;
  collectorVersion: string;
  /** Outcome per check that ran. */
  checks: Partial<Record<CheckName, CompactCheckStatus>>;
  /** Ranked, most severe first. */
  findings: Finding[];
  /** Findings left out to fit the size cap. */
  truncated?: number;
  /** The Job's report token (reportLine.ts), when the collector was given one. */
  token?: string;
}

export class TerminationMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TerminationMessageError";
  }
}

function encodeCompact(compact: CompactFindings): string {
  return zlib()
    .gzipSync(Buffer.from(JSON.stringify(compact), "utf8"), { level: 9 })
    .toString("base64");
}

/** Shrink steps, mildest first; each returns findings with less detail. */
const SHRINK_STEPS: ((f: Finding) => Finding)[] = [
  (f) => ({ ...f, evidence: undefined }),
  (f) => ({ ...f, evidence: undefined, remediation: undefined }),
  (f) => ({
    ...f,
    evidence: undefined,
    remediation: undefined,
    summary: f.summary.length > 160 ? `${f.summary.slice(0, 159)}…` : f.summary,
  }),
];

/** Encodes a report's findings for the termination message; always <= 4096 bytes. */
export function encodeTerminationMessage(report: CollectorReport, token?: string): string {
  const checks: Partial<Record<CheckName, CompactCheckStatus>> = {};
  for (const name of ALL_CHECKS) {
    const result = report.checks[name];
    if (result) checks[name] = result.status;
  }
  const base: Omit<CompactFindings, "findings"> = {
    schemaVersion: COMPACT_FINDINGS_SCHEMA_VERSION,
    reportSchemaVersion: report.schemaVersion,
    collectorVersion: report.collector.version.slice(0, 64),
    checks,
    ...(token ? { token } : {}),
  };
  const ranked = rankFindings(report.findings);
  const fits = (s: string): boolean =>
    Buffer.byteLength(s, "ascii") <= TERMINATION_MESSAGE_MAX_BYTES;

  const full = encodeCompact({ ...base, findings: ranked });
  if (fits(full)) return full;
  for (const step of SHRINK_STEPS) {
    const encoded = encodeCompact({ ...base, findings: ranked.map(step) });
    if (fits(encoded)) return encoded;
  }
  // Still too big: keep the most severe findings, the most that fit (binary search on count).
  const smallest = ranked.map(SHRINK_STEPS[SHRINK_STEPS.length - 1]!);
  let lo = 0;
  let hi = smallest.length;
  let best = encodeCompact({ ...base, findings: [], truncated: smallest.length });
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const encoded = encodeCompact({
      ...base,
      findings: smallest.slice(0, mid),
      truncated: smallest.length - mid,
    });
    if (fits(encoded)) {
      best = encoded;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

const SEVERITIES: readonly Severity[] = ["Critical", "Warning", "Info"];
const STATUSES: readonly CompactCheckStatus[] = ["ok", "unavailable", "error"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function validateFinding(v: unknown, i: number): Finding {
  if (!isRecord(v)) throw new TerminationMessageError(`findings[${i}] is not an object`);
  const { check, severity, code, summary, remediation, evidence } = v;
  if (!ALL_CHECKS.includes(check as CheckName))
    throw new TerminationMessageError(`findings[${i}].check is not a known check`);
  if (!SEVERITIES.includes(severity as Severity))
    throw new TerminationMessageError(`findings[${i}].severity is not a known severity`);
  if (typeof code !== "string" || code.length === 0 || code.length > 64)
    throw new TerminationMessageError(`findings[${i}].code must be a string of 1-64 characters`);
  if (typeof summary !== "string")
    throw new TerminationMessageError(`findings[${i}].summary must be a string`);
  const finding: Finding = {
    check: check as CheckName,
    severity: severity as Severity,
    code,
    summary: summary.slice(0, 1024),
    source: "Collector",
  };
  if (typeof remediation === "string") finding.remediation = remediation.slice(0, 2048);
  if (isRecord(evidence)) finding.evidence = evidence;
  return finding;
}

/**
 * Decodes and validates a termination message written by encodeTerminationMessage; with
 * `expectedToken`, only one that carries that token.
 */
export function decodeTerminationMessage(message: string, expectedToken?: string): CompactFindings {
  const text = message.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    throw new TerminationMessageError("termination message is not base64");
  let json: string;
  try {
    json = zlib()
      .gunzipSync(Buffer.from(text, "base64"), { maxOutputLength: MAX_DECODED_BYTES })
      .toString("utf8");
  } catch (err) {
    throw new TerminationMessageError(`termination message is not gzip: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new TerminationMessageError("termination message does not hold JSON");
  }
  if (!isRecord(parsed)) throw new TerminationMessageError("termination message is not an object");
  if (parsed.schemaVersion !== COMPACT_FINDINGS_SCHEMA_VERSION)
    throw new TerminationMessageError(
      `unsupported compact findings schema ${JSON.stringify(parsed.schemaVersion)}, want ${COMPACT_FINDINGS_SCHEMA_VERSION}`,
    );
  if (expectedToken !== undefined && parsed.token !== expectedToken)
    throw new TerminationMessageError("termination message does not carry this Job's report token");
  if (!Array.isArray(parsed.findings))
    throw new TerminationMessageError("termination message has no findings list");
  const checks: Partial<Record<CheckName, CompactCheckStatus>> = {};
  if (isRecord(parsed.checks)) {
    for (const [name, status] of Object.entries(parsed.checks)) {
      if (ALL_CHECKS.includes(name as CheckName) && STATUSES.includes(status as CompactCheckStatus))
        checks[name as CheckName] = status as CompactCheckStatus;
    }
  }
  const out: CompactFindings = {
    schemaVersion: COMPACT_FINDINGS_SCHEMA_VERSION,
    reportSchemaVersion: String(parsed.reportSchemaVersion ?? ""),
    collectorVersion: String(parsed.collectorVersion ?? ""),
    checks,
    findings: rankFindings(parsed.findings.map(validateFinding)),
  };
  if (typeof parsed.truncated === "number" && parsed.truncated > 0)
    out.truncated = parsed.truncated;
  return out;
}
