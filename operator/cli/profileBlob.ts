/** Where the profile's collapsed stacks sit in Diagnosis.status.report. Pure. */
import type { Diagnosis } from "../api/v1alpha1/diagnosis.js";
import type { CollapsedBlob } from "../report/collapsedBlob.js";

/** The parts of the collector's CollapsedBlob the plugin reads. */
export type ProfileBlob = Pick<CollapsedBlob, "encoding" | "data" | "note" | "weighting" | "event">;

function asBlob(v: unknown): ProfileBlob | undefined {
  const o = v as Partial<ProfileBlob> | null | undefined;
  return o && typeof o === "object" && o.encoding === "gzip+base64" && typeof o.data === "string"
    ? (o as ProfileBlob)
    : undefined;
}

/**
 * The operator stores the collector's per-check data under report.checks.<check>.data
 * (report/boundEvidence.ts); the profile check's data holds `collapsed`.
 */
export function findProfileBlob(d: Diagnosis): ProfileBlob | undefined {
  const checks = d.status?.report?.checks as
    | Record<string, { data?: { collapsed?: unknown } }>
    | undefined;
  return asBlob(checks?.profile?.data?.collapsed);
}

/** Why there is no flame graph, for a person. */
export function missingProfileReason(d: Diagnosis): string {
  const report = d.status?.report as Record<string, unknown> | undefined;
  const checks = report?.checks as Record<string, Record<string, unknown>> | undefined;
  const result = checks?.profile;
  if (!(d.spec.checks ?? []).includes("profile") && !d.spec.profile)
    return "this Diagnosis did not ask for a profile (kubectl diagnose pod|node NAME --profile 30s)";
  if (d.status?.phase !== "Succeeded" && d.status?.phase !== "Failed")
    return `the Diagnosis is still ${d.status?.phase ?? "Pending"}; try again when it has finished`;
  if (result?.status === "unavailable" || result?.status === "error")
    return `the profile check did not run: ${String(result.reason ?? result.status)}`;
  if (result?.truncated)
    return "the profile was too large for the status; read it from the collector's pod log";
  return "the Diagnosis status holds no profile stacks";
}
