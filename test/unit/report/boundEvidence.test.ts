import { expect } from "chai";
import { boundReportEvidence } from "../../../operator/report/boundEvidence.js";
import type { CollectorReport } from "../../../operator/report/collectorReport.js";
import { REPORT_SCHEMA_VERSION } from "../../../operator/report/collectorReport.js";

function reportWith(checks: CollectorReport["checks"]): CollectorReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: { version: "0.1.0", startedAt: "2026-11-26T00:00:00Z", durationMs: 5 },
    target: { kind: "pod", pids: [1, 2], cgroupPaths: {}, hostname: "n" },
    checks,
    findings: [],
  };
}

const blob = (bytes: number) => ({ blob: "x".repeat(bytes) });

describe("boundReportEvidence", () => {
  it("keeps small check data and reasons of unavailable checks", () => {
    const out = boundReportEvidence(
      reportWith({
        cpu: { status: "ok", durationMs: 1, data: { nrThrottled: 3 } },
        profile: { status: "unavailable", durationMs: 0, reason: "perf: not installed" },
      }),
      "log",
    ) as { checks: Record<string, unknown> };
    expect(out.checks.cpu).to.deep.equal({ status: "ok", durationMs: 1, data: { nrThrottled: 3 } });
    expect(out.checks.profile).to.include({ status: "unavailable", reason: "perf: not installed" });
  });

  it("drops (never cuts) data over a check's cap, but lets profile stacks through up to theirs", () => {
    const out = boundReportEvidence(
      reportWith({
        network: { status: "ok", durationMs: 1, data: blob(40 * 1024) },
        profile: { status: "ok", durationMs: 1, data: blob(260 * 1024) },
      }),
      "log",
    ) as { checks: Record<string, { truncated?: boolean; data?: unknown }> };
    expect(out.checks.network!.truncated).to.equal(true);
    expect(out.checks.network!.data).to.equal(undefined);
    expect(out.checks.profile!.truncated).to.equal(undefined);
    expect(out.checks.profile!.data).to.deep.equal(blob(260 * 1024));
  });

  it("stops at the total budget", () => {
    const out = boundReportEvidence(
      reportWith({
        memory: { status: "ok", durationMs: 1, data: blob(20 * 1024) },
        cpu: { status: "ok", durationMs: 1, data: blob(20 * 1024) },
      }),
      "log",
      { perCheckBytes: 32 * 1024, totalBytes: 30 * 1024 },
    ) as { checks: Record<string, { truncated?: boolean }> };
    expect(out.checks.memory!.truncated).to.equal(undefined);
    expect(out.checks.cpu!.truncated).to.equal(true);
  });
});
