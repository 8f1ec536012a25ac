import { expect } from "chai";
import { cacheDiagnosis } from "../../../../operator/controller/kinds/diagnosisTransform.js";
import { StringPool } from "../../../../operator/controller/kinds/stringPool.js";

/**
 * A Diagnosis as the API returns it, with the fields the cache must drop: running (its collector
 * Job created, preliminary findings and a report written), or finished.
 */
function stored(findings: unknown[] = [], finished = false) {
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: {
      name: "tomcat-oom",
      namespace: "shop",
      uid: "d-1",
      resourceVersion: "42",
      generation: 1,
      creationTimestamp: "2026-01-01T12:00:00Z",
      finalizers: ["diagnose.dev/cleanup-job"],
      labels: {
        "app.kubernetes.io/managed-by": "diagnose-operator",
        "diagnose.dev/trigger": "PodRestart",
        team: "shop",
      },
      annotations: {
        "diagnose.dev/workload": "Deployment/tomcat",
        "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(100_000),
      },
      managedFields: [{ manager: "kubectl", fieldsV1: { "f:spec": {} } }],
    },
    spec: { target: { pod: "tomcat-0" }, timeoutSeconds: 120 },
    status: {
      phase: finished ? "Succeeded" : "Running",
      observedGeneration: 1,
      conditions: [
        {
          type: "JobCreated",
          status: "True",
          reason: "CollectorRunning",
          message: "collector pod diagnose-system/diag-tomcat-oom-x is running on node node-a",
          lastTransitionTime: "2026-01-01T12:00:30Z",
          observedGeneration: 1,
        },
        ...(finished
          ? [
              {
                type: "Completed",
                status: "True",
                reason: "Succeeded",
                message: "Critical: heap above limit",
                lastTransitionTime: "2026-01-01T12:01:00Z",
              },
            ]
          : []),
      ],
      trigger: { source: "PodRestart", restartCount: 3 },
      jobName: "diag-tomcat-oom-x",
      startTime: "2026-01-01T12:00:30Z",
      ...(finished ? { completionTime: "2026-01-01T12:01:00Z" } : {}),
      target: { node: "node-a", container: "app" },
      verdict: "Critical: heap above limit",
      findings,
      report: { schemaVersion: "diagnose.dev/report/v1", profile: { stacks: "y".repeat(500_000) } },
    },
  };
}

describe("cacheDiagnosis (the Diagnosis informer's transform)", () => {
  it("leaves out status.report and status.findings, keeping their count", () => {
    const c = cacheDiagnosis(
      stored([
        { check: "jvm", severity: "Critical", code: "JvmHeapExceedsLimit", summary: "s" },
        { check: "memory", severity: "Warning", code: "OOMKilledByCgroup", summary: "s" },
      ]),
    );
    expect(c.status).to.not.have.property("report");
    expect(c.status).to.not.have.property("findings");
    expect(c.findingsSummary).to.deep.equal({ count: 2 });
    expect(c.settled).to.equal(undefined);
    expect(c.status).to.deep.include({
      phase: "Running",
      verdict: "Critical: heap above limit",
      trigger: { source: "PodRestart", restartCount: 3 },
      target: { node: "node-a", container: "app" },
    });
    expect(c.status?.conditions?.[0]?.message).to.match(/is running on node node-a$/);
    expect(c.spec).to.deep.equal({ target: { pod: "tomcat-0" }, timeoutSeconds: 120 });
    expect(JSON.stringify(c).length, "a few hundred bytes, not 600 KB").to.be.below(2000);
  });

  it("caches a finished Diagnosis settled: the condition that finished it, without its message, and what expiry and the trigger read", () => {
    const c = cacheDiagnosis(stored([{ check: "jvm", severity: "Critical" }], true));
    expect(c.settled).to.equal(true);
    expect(c.findingsSummary).to.deep.equal({ count: 1 });
    expect(c.status).to.deep.equal({
      phase: "Succeeded",
      observedGeneration: 1,
      completionTime: "2026-01-01T12:01:00Z",
      trigger: { source: "PodRestart", restartCount: 3 },
      conditions: [
        {
          type: "Completed",
          status: "True",
          reason: "Succeeded",
          message: "",
          lastTransitionTime: "2026-01-01T12:01:00Z",
        },
      ],
    });
    expect(c.metadata.finalizers).to.deep.equal(["diagnose.dev/cleanup-job"]);
  });

  it("caches a finished Diagnosis being deleted whole again, for its finalizer", () => {
    const raw = stored([], true);
    (raw.metadata as Record<string, unknown>).deletionTimestamp = "2026-01-02T00:00:00Z";
    const c = cacheDiagnosis(raw);
    expect(c.settled).to.equal(undefined);
    expect(c.status?.jobName).to.equal("diag-tomcat-oom-x");
    expect(c.status?.conditions?.[1]?.message).to.equal("Critical: heap above limit");
  });

  it("a Failed Diagnosis is settled too; a Completed condition that is not True is not", () => {
    const failed = cacheDiagnosis({
      metadata: { name: "f" },
      spec: {},
      status: {
        conditions: [{ type: "Failed", status: "True", reason: "NodeGone", message: "m" }],
      },
    });
    expect(failed.settled).to.equal(true);
    expect(failed.status?.conditions?.[0]).to.include({ reason: "NodeGone", message: "" });
    const open = cacheDiagnosis({
      metadata: { name: "o" },
      spec: {},
      status: { conditions: [{ type: "Completed", status: "False", reason: "X", message: "m" }] },
    });
    expect(open.settled).to.equal(undefined);
  });

  it("shares the strings many Diagnoses repeat through the pool", () => {
    const pool = new StringPool();
    const a = cacheDiagnosis(JSON.parse(JSON.stringify(stored([], true))), pool);
    const b = cacheDiagnosis(JSON.parse(JSON.stringify(stored([], true))), pool);
    expect(a.metadata.namespace).to.equal("shop");
    // Same content either way; the pool made them one string (seen as a pool hit).
    const before = pool.size();
    expect(before, "the first one filled it").to.be.above(0);
    cacheDiagnosis(JSON.parse(JSON.stringify(stored([], true))), pool);
    expect(pool.size(), "nothing new after the first").to.equal(before);
    expect(b.status?.conditions?.[0]?.reason).to.equal("Succeeded");
    // A Diagnosis that differs only in its own values (UID, name, times) adds nothing: the pool
    // is bounded, and per-Diagnosis strings would push out the ones worth sharing.
    const other = JSON.parse(JSON.stringify(stored([], true)));
    other.metadata = { ...other.metadata, uid: "d-2", name: "tomcat-oom-2", resourceVersion: "43" };
    other.metadata.creationTimestamp = "2026-01-02T12:00:00Z";
    other.status.completionTime = "2026-01-02T12:01:00Z";
    other.status.conditions[1].lastTransitionTime = "2026-01-02T12:01:00Z";
    cacheDiagnosis(other, pool);
    expect(pool.size(), "per-Diagnosis values are not pooled").to.equal(before);
  });

  it("takes the findings' number where the informer left only that", () => {
    const d = cacheDiagnosis({ metadata: { name: "d" }, spec: {}, status: { findings: 7 } });
    expect(d.findingsSummary).to.deep.equal({ count: 7 });
    expect(d.status).to.deep.equal({});
    for (const bad of [-1, 1.5, "7"])
      expect(cacheDiagnosis({ status: { findings: bad } }).findingsSummary.count).to.equal(0);
  });

  it("keeps the metadata the operator reads and only its own labels and annotations", () => {
    const c = cacheDiagnosis(stored());
    expect(c.metadata).to.deep.equal({
      name: "tomcat-oom",
      namespace: "shop",
      uid: "d-1",
      resourceVersion: "42",
      generation: 1,
      creationTimestamp: "2026-01-01T12:00:00Z",
      finalizers: ["diagnose.dev/cleanup-job"],
      labels: {
        "app.kubernetes.io/managed-by": "diagnose-operator",
        "diagnose.dev/trigger": "PodRestart",
      },
      annotations: { "diagnose.dev/workload": "Deployment/tomcat" },
    });
    expect(c.findingsSummary).to.deep.equal({ count: 0 });
  });

  it("takes a Diagnosis without status, and malformed fields, without throwing", () => {
    const c = cacheDiagnosis({
      apiVersion: "diagnose.dev/v1alpha1",
      kind: "Diagnosis",
      metadata: { name: "new", namespace: "shop", resourceVersion: "1", labels: "nonsense" },
      spec: { target: { node: "node-a" } },
    });
    expect(c.status).to.equal(undefined);
    expect(c.metadata).to.deep.equal({ name: "new", namespace: "shop", resourceVersion: "1" });
    expect(c.findingsSummary).to.deep.equal({ count: 0 });
    expect(cacheDiagnosis({ status: { findings: "x" } }).findingsSummary).to.deep.equal({
      count: 0,
    });
  });
});
