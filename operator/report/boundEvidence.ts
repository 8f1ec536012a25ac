/**
 * The slice of a collector report stored in Diagnosis.status.report: schema version, collector
 * metadata, target, and per check its outcome and raw data, each check's data capped, the whole
 * capped, so a chatty collector cannot push the Diagnosis towards etcd's object size limit. Pure.
 */
import type { CheckName, Finding } from "../api/v1alpha1/diagnosis.js";
import type { CollectorReport } from "./collectorReport.js";

export interface EvidenceBounds {
  /** Serialized bytes of one check's data kept as-is. */
  perCheckBytes: number;
  /** Larger allowances for checks whose data is the point (the profile's collapsed stacks). */
  perCheckOverrides?: Partial<Record<CheckName, number>>;
  /** Serialized bytes of all check data together. */
  totalBytes: number;
}

export const DEFAULT_EVIDENCE_BOUNDS: EvidenceBounds = {
  perCheckBytes: 32 * 1024,
  // The collector caps its gzip+base64 stacks at 256 KiB; top frames and metadata ride along.
  perCheckOverrides: { profile: 320 * 1024 },
  // Well under etcd's 1.5 MiB object limit, with room for findings and conditions.
  totalBytes: 512 * 1024,
};

export function boundReportEvidence(
  report: CollectorReport,
  source: "log" | "terminationMessage",
  bounds: EvidenceBounds = DEFAULT_EVIDENCE_BOUNDS,
): Record<string, unknown> {
  let budget = bounds.totalBytes;
  const checks: Record<string, unknown> = {};
  for (const [name, result] of Object.entries(report.checks) as [
    CheckName,
    CollectorReport["checks"][CheckName],
  ][]) {
    if (!result) continue;
    if (result.status !== "ok") {
      checks[name] = {
        status: result.status,
        durationMs: result.durationMs,
        reason: result.reason.slice(0, 1024),
      };
      continue;
    }
    const bytes = Buffer.byteLength(JSON.stringify(result.data ?? null));
    const cap = bounds.perCheckOverrides?.[name] ?? bounds.perCheckBytes;
    if (bytes <= cap && bytes <= budget) {
      budget -= bytes;
      checks[name] = { status: "ok", durationMs: result.durationMs, data: result.data };
    } else {
      // Dropped, not cut: half a JSON document is worse than none; the pod log has it all.
      checks[name] = {
        status: "ok",
        durationMs: result.durationMs,
        truncated: true,
        dataBytes: bytes,
      };
    }
  }
  return {
    schemaVersion: report.schemaVersion,
    source,
    collector: {
      version: cut(report.collector.version, 64),
      startedAt: cut(report.collector.startedAt, 64),
      durationMs: report.collector.durationMs,
    },
    target: {
      kind: report.target.kind,
      hostname: cut(report.target.hostname, 253),
      containerId: report.target.containerId && cut(report.target.containerId, 128),
      pids: report.target.pids.slice(0, 32),
      cgroupVersion: report.target.cgroupVersion,
    },
    checks,
  };
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

/** What a collector's result writes into a Diagnosis' status. */
export interface CollectorResultFields {
  findings: Finding[];
  verdict: string;
  report: Record<string, unknown>;
}

/**
 * The status write of a result stays under this (etcd's object limit is 1.5 MiB, and the
 * Diagnosis holds its spec, conditions and trigger history besides).
 */
export const MAX_RESULT_BYTES = 1024 * 1024;

/**
 * The result with as much left out as it takes to fit maxBytes serialized: the stored check data
 * first (largest first, marked truncated with its size), then the findings' evidence, then the
 * least severe findings (findings are ranked most severe first). Pure; small results unchanged.
 */
export function boundCollectorResult(
  result: CollectorResultFields,
  maxBytes: number = MAX_RESULT_BYTES,
): CollectorResultFields {
  const size = (r: CollectorResultFields) => Buffer.byteLength(JSON.stringify(r));
  if (size(result) <= maxBytes) return result;
  const checks = { ...((result.report.checks ?? {}) as Record<string, Record<string, unknown>>) };
  let out: CollectorResultFields = { ...result, report: { ...result.report, checks } };
  const withData = Object.entries(checks)
    .filter(([, c]) => c && typeof c === "object" && "data" in c)
    .map(([name, c]) => ({ name, bytes: Buffer.byteLength(JSON.stringify(c.data ?? null)) }))
    .sort((a, b) => b.bytes - a.bytes);
  for (const { name, bytes } of withData) {
    const { data: _dropped, ...rest } = checks[name]!;
    checks[name] = { ...rest, truncated: true, dataBytes: bytes };
    out = { ...out, report: { ...out.report, checks } };
    if (size(out) <= maxBytes) return out;
  }
  out = { ...out, findings: out.findings.map(({ evidence: _e, ...f }) => f) };
  while (out.findings.length > 0 && size(out) > maxBytes)
    out = { ...out, findings: out.findings.slice(0, -1) };
  return out;
}
