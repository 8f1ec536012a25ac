import { expect } from "chai";
import { cacheDiagnosis } from "../../../../operator/controller/kinds/diagnosisTransform.js";

/** A finished Diagnosis as the API returns it, with the fields the cache must drop. */
function stored(findings: unknown[] = []) {
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
      phase: "Succeeded",
      conditions: [
        {
          type: "Completed",
          status: "True",
          reason: "Succeeded",
          message: "Critical: heap above limit",
          lastTransitionTime: "2026-01-01T12:01:00Z",
        },
      ],
      trigger: { source: "PodRestart", restartCount: 3 },
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
    expect(c.status).to.deep.include({
      phase: "Succeeded",
      verdict: "Critical: heap above limit",
      trigger: { source: "PodRestart", restartCount: 3 },
      target: { node: "node-a", container: "app" },
    });
    expect(c.status?.conditions?.[0]?.reason).to.equal("Succeeded");
    expect(c.spec).to.deep.equal({ target: { pod: "tomcat-0" }, timeoutSeconds: 120 });
    expect(JSON.stringify(c).length, "a few hundred bytes, not 600 KB").to.be.below(2000);
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
