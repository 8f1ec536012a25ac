import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { analyzeCollectorReport } from "../../../operator/analysis/analyzeReport.js";
import type { Finding } from "../../../operator/api/v1alpha1/diagnosis.js";
import { parseCgroupV1Cpu } from "../../../operator/collector/cpu/parseCgroupCpu.js";
import {
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
} from "../../../operator/report/collectorReport.js";

const files = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));

function report(findings: Finding[]): CollectorReport {
  const cpu = { cgroup: parseCgroupV1Cpu("/c", files("test/fixtures/cpu/v1/throttled")) };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: { version: "0.0.1", startedAt: "2026-01-01T00:00:00Z", durationMs: 1 },
    target: { kind: "pod", pids: [1], cgroupPaths: {}, hostname: "n" },
    checks: { cpu: { status: "ok", durationMs: 1, data: cpu } },
    findings,
  };
}

describe("analyzeCollectorReport", () => {
  it("re-runs the rules on the raw evidence: their finding replaces the collector's of the same code", () => {
    const stale: Finding = {
      check: "cpu",
      severity: "Info",
      code: "CpuThrottled",
      summary: "written by an older collector",
    };
    const findings = analyzeCollectorReport(report([stale]));
    const throttled = findings.filter((f) => f.code === "CpuThrottled");
    expect(throttled).to.have.length(1);
    expect(throttled[0]!.summary).to.not.equal(stale.summary);
    expect(throttled[0]!.source).to.equal("Collector");
  });

  it("keeps the collector's findings the rules do not reproduce, ranked with the rest", () => {
    const foreign: Finding = {
      check: "network",
      severity: "Critical",
      code: "QdiscLoss",
      summary: "netem loss 30% on eth0",
    };
    const findings = analyzeCollectorReport(report([foreign]));
    expect(findings[0]).to.deep.equal(foreign);
    expect(findings.map((f) => f.code)).to.include("CpuThrottled");
  });
});
