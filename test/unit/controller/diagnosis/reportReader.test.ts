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
import {
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
} from "../../../../operator/report/collectorReport.js";
import { encodeTerminationMessage } from "../../../../operator/report/terminationMessage.js";

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

function ref(message?: string): CollectorPodRef {
  return {
    namespace: "diagnose-system",
    pod: "diag-tomcat-oom-1234abcd-xyz",
    container: "collector",
    terminated: { exitCode: 0, ...(message ? { message } : {}) },
  };
}

/** pods/log stand-in: answers with `log`, or throws `err`. */
function reader(log: string | Error, analyze = (r: CollectorReport) => r.findings) {
  const reads: number[] = [];
  return {
    reads,
    reader: new ReportReader({
      client: {
        async readPodLog(_ns, _pod, _container, limitBytes) {
          reads.push(limitBytes);
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
    const log = `collecting...\n${JSON.stringify(report([heap, oomKilled]))}\n`;
    const { reader: r, reads } = reader(log);
    const outcome = await r.read(diagnosis, ref());
    expect(reads).to.deep.equal([8 * 1024 * 1024]);
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
    const { reader: r } = reader(JSON.stringify(report([])), () => [heap]);
    const outcome = await r.read(diagnosis, ref());
    expect(outcome.kind === "report" && outcome.findings[0]?.code).to.equal("JvmHeapExceedsLimit");
  });

  it("falls back to the termination message when the log holds no report, saying why", async () => {
    const message = encodeTerminationMessage(report([oomKilled]));
    const { reader: r } = reader("panic: something\n");
    const outcome = await r.read(diagnosis, ref(message));
    if (outcome.kind !== "report") throw new Error(`expected a report, got ${outcome.problem}`);
    expect(outcome.findings.map((f) => f.code)).to.deep.equal(["OOMKilledByCgroup", "NoCpuLimit"]);
    expect(outcome.report).to.deep.include({
      source: "terminationMessage",
      logProblem: "the collector log holds no JSON report line",
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
});
