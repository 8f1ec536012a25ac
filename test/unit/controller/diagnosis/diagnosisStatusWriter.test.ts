import { expect } from "chai";
import {
  API_VERSION,
  type Diagnosis,
  type DiagnosisStatus,
  type Finding,
  KIND,
} from "../../../../operator/api/v1alpha1/diagnosis.js";
import {
  DiagnosisStatusWriter,
  type PendingTriggerRecords,
} from "../../../../operator/controller/diagnosis/diagnosisStatusWriter.js";
import type {
  EventSink,
  EventType,
} from "../../../../operator/controller/diagnosis/eventRecorder.js";
import { cacheDiagnosis } from "../../../../operator/controller/kinds/diagnosisTransform.js";
import { ConflictError } from "../../../../operator/controller/runtime/contracts.js";
import { MetricsRegistry } from "../../../../operator/controller/runtime/metricsRegistry.js";

const T0 = new Date("2026-01-01T12:00:00Z");

function diagnosis(status?: DiagnosisStatus, labels?: Record<string, string>): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      namespace: "shop",
      name: "tomcat-oom",
      uid: "d-1",
      generation: 2,
      resourceVersion: "7",
      ...(labels ? { labels } : {}),
    },
    spec: { target: { pod: "tomcat-0" } },
    ...(status ? { status } : {}),
  };
}

/** An API stand-in that stores the Diagnosis and applies merge patches of its status. */
function harness(
  start: Diagnosis,
  metrics = new MetricsRegistry(),
  triggerRecords?: PendingTriggerRecords,
) {
  const failures: unknown[] = [];
  let stored = structuredClone(start);
  const patches: Array<{ resourceVersion: string | undefined; status: Record<string, unknown> }> =
    [];
  const events: Array<{ type: EventType; reason: string; message: string }> = [];
  let now = T0;
  const sink: EventSink = {
    record: (_d, type, reason, message) => events.push({ type, reason, message }),
  };
  const writer = new DiagnosisStatusWriter({
    client: {
      async patchDiagnosisStatus(_ns, _name, resourceVersion, status) {
        patches.push({ resourceVersion, status: structuredClone(status) });
        const fail = failures.shift();
        if (fail) throw fail;
        const rv = String(Number(stored.metadata.resourceVersion) + 1);
        stored = {
          ...stored,
          metadata: { ...stored.metadata, resourceVersion: rv },
          status: structuredClone({ ...stored.status, ...status }) as DiagnosisStatus,
        };
        return structuredClone(stored);
      },
    },
    events: sink,
    triggerRecords,
    clock: { now: () => now },
    findingsCounter: metrics.counter("diagnose_findings_total", "findings", [
      "namespace",
      "workload",
      "code",
      "severity",
    ]),
  });
  return {
    writer,
    patches,
    failures,
    events,
    stored: () => stored,
    /** The stored object as the informer caches it. */
    cached: () => cacheDiagnosis(stored),
    tick: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const podSpecFinding: Finding = {
  check: "jvm",
  severity: "Critical",
  code: "JvmHeapExceedsLimit",
  summary: "JVM max heap 2GiB > limit 512MiB",
  source: "PodSpec",
};

describe("DiagnosisStatusWriter (API stand-in)", () => {
  it("writes a transition once, guarded by resourceVersion, with the derived phase; the same transition again writes nothing", async () => {
    const h = harness(diagnosis());
    await h.writer.waitingForTarget(h.cached(), "pod shop/tomcat-0 is not scheduled");
    expect(h.patches).to.have.length(1);
    expect(h.patches[0]!.resourceVersion).to.equal("7");
    expect(h.patches[0]!.status).to.include({ phase: "Pending", observedGeneration: 2 });
    expect(
      h.patches[0]!.status.trigger,
      "a Diagnosis without the trigger label is Manual",
    ).to.deep.equal({
      source: "Manual",
    });
    expect(h.events).to.deep.equal([
      { type: "Normal", reason: "Pending", message: "pod shop/tomcat-0 is not scheduled" },
    ]);

    h.tick(3000);
    await h.writer.waitingForTarget(h.cached(), "pod shop/tomcat-0 is not scheduled");
    expect(h.patches, "nothing changed: no write").to.have.length(1);
    expect(h.events).to.have.length(1);
  });

  it("leaves status.trigger alone on triggered Diagnoses (the trigger owns it)", async () => {
    const h = harness(diagnosis(undefined, { "diagnose.dev/trigger": "PodRestart" }));
    await h.writer.waitingForTarget(h.stored(), "waiting");
    expect(h.patches[0]!.status).to.not.have.property("trigger");
  });

  it("records preliminary findings with the first status that knows the target, and one event for them", async () => {
    const h = harness(diagnosis());
    const target = { node: "node-a", podUID: "p-1", container: "app" };
    await h.writer.queued(h.cached(), "2/2 collector Jobs are running on node node-a", {
      target,
      preliminary: [podSpecFinding],
    });
    // The column gets the short line; the Event the whole sentence.
    expect(h.patches[0]!.status).to.deep.include({
      target,
      verdict: "Critical JvmHeapExceedsLimit: JVM max heap 2GiB > limit…",
    });
    expect((h.patches[0]!.status.findings as Finding[]).map((f) => f.code)).to.deep.equal([
      "JvmHeapExceedsLimit",
    ]);
    expect(h.events.map((e) => e.reason)).to.deep.equal(["PreliminaryFindings", "Queued"]);
    expect(h.events[0]!.message).to.equal("Critical: JVM max heap 2GiB > limit 512MiB");

    h.tick(1000);
    await h.writer.jobCreated(
      h.cached(),
      { namespace: "diagnose-system", name: "diag-tomcat-oom-1234abcd", node: "node-a" },
      { target, preliminary: [podSpecFinding] },
    );
    expect(h.patches[1]!.status, "findings already there: not rewritten").to.not.have.property(
      "findings",
    );
    expect(h.patches[1]!.status).to.include({
      phase: "Running",
      jobName: "diag-tomcat-oom-1234abcd",
      startTime: "2026-01-01T12:00:01.000Z",
    });
    expect(h.events.map((e) => e.reason)).to.deep.equal([
      "PreliminaryFindings",
      "Queued",
      "JobCreated",
    ]);
  });

  it("moves lastTransitionTime only when a condition's status changes", async () => {
    const h = harness(diagnosis());
    await h.writer.jobCreated(
      h.cached(),
      { namespace: "diagnose-system", name: "diag-x", node: "node-a" },
      { target: { node: "node-a" }, preliminary: [] },
    );
    h.tick(5000);
    await h.writer.collectorRunning(
      h.cached(),
      "collector pod diagnose-system/diag-x-abc is running",
    );
    const c = h.stored().status?.conditions?.find((x) => x.type === "JobCreated");
    expect(c).to.include({ status: "True", reason: "CollectorRunning" });
    expect(c?.lastTransitionTime).to.equal(T0.toISOString());
    expect(h.events.map((e) => e.reason)).to.deep.equal(["JobCreated", "Running"]);
  });

  it("ends in Completed (Normal Succeeded) or Failed (a Warning with the reason), with a completion time", async () => {
    const ok = harness(diagnosis());
    await ok.writer.completed(ok.stored(), {
      findings: [podSpecFinding],
      verdict: "Critical JvmHeapExceedsLimit: heap 2Gi > limit 512Mi",
      verdictSentence: "Critical: JVM max heap 2GiB > limit 512MiB",
      report: { schemaVersion: "diagnose.dev/report/v1" },
    });
    expect(ok.stored().status).to.include({
      phase: "Succeeded",
      completionTime: T0.toISOString(),
      verdict: "Critical JvmHeapExceedsLimit: heap 2Gi > limit 512Mi",
    });
    expect(ok.stored().status).to.not.have.property("verdictSentence");
    expect(ok.stored().status?.conditions?.find((c) => c.type === "Completed")?.message).to.equal(
      "Critical: JVM max heap 2GiB > limit 512MiB",
    );
    expect(ok.events).to.deep.equal([
      {
        type: "Normal",
        reason: "Succeeded",
        message: "Critical: JVM max heap 2GiB > limit 512MiB",
      },
    ]);

    const bad = harness(diagnosis());
    await bad.writer.failed(bad.stored(), "NodeGone", "node node-a no longer exists");
    expect(bad.stored().status).to.include({ phase: "Failed", completionTime: T0.toISOString() });
    expect(bad.events).to.deep.equal([
      { type: "Warning", reason: "NodeGone", message: "node node-a no longer exists" },
    ]);
  });

  it("counts each finding of a completed Diagnosis once in diagnose_findings_total, by workload", async () => {
    const metrics = new MetricsRegistry();
    const h = harness(
      diagnosis({ trigger: { source: "PodRestart", workload: "deployment/shop-jvm" } }),
      metrics,
    );
    const result = {
      findings: [
        podSpecFinding,
        { ...podSpecFinding, code: "OOMKilledByCgroup", source: "Collector" as const },
        { ...podSpecFinding, code: "CpuThrottled", severity: "Warning" as const },
      ],
      verdict: "Critical JvmHeapExceedsLimit: heap 2Gi > limit 512Mi",
      verdictSentence: "Critical: JVM max heap 2GiB > limit 512MiB",
      report: {},
    };
    await h.writer.completed(h.stored(), result);
    // The same completion seen again (a requeue) writes nothing and counts nothing.
    await h.writer.completed(h.stored(), result);
    const lines = metrics
      .render()
      .split("\n")
      .filter((l) => l.startsWith("diagnose_findings_total{"));
    expect(lines.sort()).to.deep.equal([
      'diagnose_findings_total{namespace="shop",workload="deployment/shop-jvm",code="CpuThrottled",severity="Warning"} 1',
      'diagnose_findings_total{namespace="shop",workload="deployment/shop-jvm",code="JvmHeapExceedsLimit",severity="Critical"} 1',
      'diagnose_findings_total{namespace="shop",workload="deployment/shop-jvm",code="OOMKilledByCgroup",severity="Critical"} 1',
    ]);
  });
  describe("with the trigger's records waiting (claimed from its status writer)", () => {
    const triggered = { "diagnose.dev/trigger": "PodRestart" };
    const trigger = { source: "PodRestart" as const, workload: "tomcat", restartsObserved: 1 };

    /** Waiting records stand-in: what was claimed from, and how each claim was settled. */
    function waiting(available: boolean) {
      const log: string[] = [];
      const records: PendingTriggerRecords = {
        claim: (base) => {
          log.push(`claim rv=${base.metadata.resourceVersion}`);
          if (!available) return undefined;
          return {
            trigger,
            written: (d) => log.push(`written rv=${d.metadata.resourceVersion}`),
            release: (err) => log.push(`release ${(err as Error).name}`),
          };
        },
      };
      return { records, log };
    }

    it("writes them in the same guarded patch as the transition, and says so once written", async () => {
      const w = waiting(true);
      const h = harness(diagnosis(undefined, triggered), undefined, w.records);
      await h.writer.failed(h.cached(), "TooManyOpenDiagnoses", "namespace shop has 20");
      expect(h.patches).to.have.length(1);
      expect(h.patches[0]!.resourceVersion).to.equal("7");
      expect(h.patches[0]!.status.trigger).to.deep.equal(trigger);
      expect(h.stored().status?.phase).to.equal("Failed");
      expect(w.log).to.deep.equal(["claim rv=7", "written rv=8"]);
    });

    it("a failed write hands them back; a write with nothing of its own claims nothing", async () => {
      const w = waiting(true);
      const h = harness(diagnosis(undefined, triggered), undefined, w.records);
      h.failures.push(new ConflictError("status of diagnosis shop/tomcat-oom: changed"));
      let thrown: unknown;
      await h.writer
        .waitingForTarget(h.cached(), "pod shop/tomcat-0 is not scheduled")
        .catch((err) => {
          thrown = err;
        });
      expect(thrown).to.be.instanceOf(ConflictError);
      expect(w.log).to.deep.equal(["claim rv=7", "release ConflictError"]);
      await h.writer.waitingForTarget(h.cached(), "pod shop/tomcat-0 is not scheduled");
      await h.writer.waitingForTarget(h.cached(), "pod shop/tomcat-0 is not scheduled");
      // Written once, with the records; the repeat changed nothing and claimed nothing.
      expect(h.patches).to.have.length(2);
      expect(w.log).to.deep.equal([
        "claim rv=7",
        "release ConflictError",
        "claim rv=7",
        "written rv=8",
      ]);
    });

    it("none waiting: the transition alone, status.trigger untouched", async () => {
      const w = waiting(false);
      const h = harness(diagnosis(undefined, triggered), undefined, w.records);
      await h.writer.waitingForTarget(h.cached(), "pod shop/tomcat-0 is not scheduled");
      expect(h.patches[0]!.status).to.not.have.property("trigger");
      expect(w.log).to.deep.equal(["claim rv=7"]);
    });
  });
});
