/**
 * The slice of a collector report stored in Diagnosis.status.report: schema version, collector
 * metadata, target, and per check its outcome and raw data, each check's data capped, the whole
 * capped, so a chatty collector cannot push the Diagnosis towards etcd's object size limit. Pure.
 */
import type { CheckName } from "../api/v1alpha1/diagnosis.js";
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
    collector: report.collector,
    target: {
      kind: report.target.kind,
      hostname: report.target.hostname,
      containerId: report.target.containerId,
      pids: report.target.pids.slice(0, 32),
      cgroupVersion: report.target.cgroupVersion,
    },
    checks,
  };
}
