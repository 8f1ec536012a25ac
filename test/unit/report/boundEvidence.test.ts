import { expect } from "chai";
import {
  boundCollectorResult,
  boundReportEvidence,
} from "../../../operator/report/boundEvidence.js";
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

describe("boundCollectorResult", () => {
  const finding = (i: number, evidenceBytes: number) => ({
    check: "memory" as const,
    severity: "Warning" as const,
    code: `C${i}`,
    summary: `finding ${i}`,
    evidence: { blob: "e".repeat(evidenceBytes) },
  });
  const result = () => ({
    findings: [finding(1, 2000), finding(2, 2000), finding(3, 2000)],
    verdict: "Warning: finding 1",
    report: {
      source: "log",
      checks: {
        cpu: { status: "ok", durationMs: 1, data: blob(5000) },
        jvm: { status: "ok", durationMs: 1, data: blob(20_000) },
        network: { status: "error", durationMs: 1, reason: "no netns" },
      },
    },
  });
  const size = (r: unknown) => Buffer.byteLength(JSON.stringify(r));

  it("leaves a result that fits alone", () => {
    expect(boundCollectorResult(result(), 1024 * 1024)).to.deep.equal(result());
  });

  it("drops the largest check data first, then the next, marking each", () => {
    const r = boundCollectorResult(result(), size(result()) - 15_000);
    const checks = r.report.checks as Record<string, Record<string, unknown>>;
    expect(checks.jvm).to.deep.equal({
      status: "ok",
      durationMs: 1,
      truncated: true,
      dataBytes: 20_011,
    });
    expect(checks.cpu).to.deep.equal({ status: "ok", durationMs: 1, data: blob(5000) });
    expect(r.findings).to.deep.equal(result().findings);
    const both = boundCollectorResult(result(), size(result()) - 22_000);
    expect((both.report.checks as Record<string, Record<string, unknown>>).cpu).to.include({
      truncated: true,
    });
  });

  it("then the findings' evidence, then the least severe findings; always within the bound", () => {
    for (const max of [8000, 3000, 500]) {
      const r = boundCollectorResult(result(), max);
      expect(size(r), String(max)).to.be.at.most(max);
    }
    const noEvidence = boundCollectorResult(result(), 3000);
    expect(noEvidence.findings.map((f) => f.code)).to.deep.equal(["C1", "C2", "C3"]);
    expect(noEvidence.findings.every((f) => !("evidence" in f))).to.equal(true);
    expect(boundCollectorResult(result(), 500).findings.length).to.be.lessThan(3);
  });
});
