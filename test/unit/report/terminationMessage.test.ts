import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import type { Finding } from "../../../operator/api/v1alpha1/diagnosis.js";
import {
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
} from "../../../operator/report/collectorReport.js";
import {
  decodeTerminationMessage,
  encodeTerminationMessage,
  TERMINATION_MESSAGE_MAX_BYTES,
  TerminationMessageError,
} from "../../../operator/report/terminationMessage.js";

function report(findings: Finding[]): CollectorReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: { version: "0.1.0", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 812 },
    target: { kind: "pod", pids: [42], cgroupPaths: {}, hostname: "node-1" },
    checks: {
      memory: { status: "ok", durationMs: 3, data: {} },
      network: { status: "unavailable", durationMs: 1, reason: "no netns" },
    },
    findings,
  };
}

const heap: Finding = {
  check: "jvm",
  severity: "Critical",
  code: "JvmHeapExceedsLimit",
  summary: "JVM max heap 1.95GiB > limit 512MiB",
  evidence: { maxHeapBytes: 2092957696, limitBytes: 536870912 },
  remediation: "Set -Xmx384m",
};
const throttled: Finding = {
  check: "cpu",
  severity: "Warning",
  code: "CpuThrottled",
  summary: "throttled in 83% of periods",
};

describe("terminationMessage", () => {
  it("round-trips findings, ranked, with check outcomes", () => {
    const encoded = encodeTerminationMessage(report([throttled, heap]));
    const decoded = decodeTerminationMessage(encoded);
    expect(decoded.findings.map((f) => f.code)).to.deep.equal([
      "JvmHeapExceedsLimit",
      "CpuThrottled",
    ]);
    expect(decoded.findings[0]).to.deep.include({
      evidence: heap.evidence,
      remediation: "Set -Xmx384m",
      source: "Collector",
    });
    expect(decoded.checks).to.deep.equal({ memory: "ok", network: "unavailable" });
    expect(decoded.reportSchemaVersion).to.equal(REPORT_SCHEMA_VERSION);
    expect(decoded.truncated).to.equal(undefined);
  });

  it("stays within 4 KiB with many findings, keeping the most severe", () => {
    const many: Finding[] = [];
    for (let i = 0; i < 300; i++) {
      many.push({
        check: "network",
        severity: i === 250 ? "Critical" : "Info",
        code: `Code${i}`,
        // Random text does not compress: forces the shrink steps to run.
        summary: randomBytes(200).toString("hex"),
        evidence: { blob: randomBytes(300).toString("hex") },
        remediation: randomBytes(100).toString("hex"),
      });
    }
    const encoded = encodeTerminationMessage(report(many));
    expect(Buffer.byteLength(encoded)).to.be.at.most(TERMINATION_MESSAGE_MAX_BYTES);
    const decoded = decodeTerminationMessage(encoded);
    expect(decoded.findings.length).to.be.greaterThan(0);
    expect(decoded.findings[0]!.code).to.equal("Code250");
    expect(decoded.findings.length + (decoded.truncated ?? 0)).to.equal(300);
    expect(decoded.findings[0]!.evidence).to.equal(undefined);
  });

  it("drops only evidence when that is enough", () => {
    const big: Finding = { ...heap, evidence: { blob: randomBytes(4000).toString("hex") } };
    const decoded = decodeTerminationMessage(encodeTerminationMessage(report([big])));
    expect(decoded.findings[0]).to.deep.include({
      remediation: "Set -Xmx384m",
      summary: heap.summary,
    });
    expect(decoded.findings[0]!.evidence).to.equal(undefined);
  });

  it("rejects text that is not the compact form", () => {
    expect(() => decodeTerminationMessage("Error: something broke\n")).to.throw(
      TerminationMessageError,
    );
    const other = gzipSync(
      Buffer.from(JSON.stringify({ schemaVersion: "v0", findings: [] })),
    ).toString("base64");
    expect(() => decodeTerminationMessage(other)).to.throw(/unsupported compact findings schema/);
    const badSeverity = gzipSync(
      Buffer.from(
        JSON.stringify({
          schemaVersion: "diagnose.dev/findings/v1",
          findings: [{ check: "jvm", severity: "Fatal", code: "X", summary: "" }],
        }),
      ),
    ).toString("base64");
    expect(() => decodeTerminationMessage(badSeverity)).to.throw(/severity/);
  });

  it("carries the Job's report token: with an expected token, only a message with it is accepted", () => {
    const token = "0123456789abcdef0123456789abcdef";
    const withToken = encodeTerminationMessage(report([heap]), token);
    expect(decodeTerminationMessage(withToken, token).findings).to.have.length(1);
    expect(() => decodeTerminationMessage(withToken, "fedcba9876543210fedcba9876543210")).to.throw(
      /this Job's report token/,
    );
    expect(() =>
      decodeTerminationMessage(encodeTerminationMessage(report([heap])), token),
    ).to.throw(/this Job's report token/);
  });
});
