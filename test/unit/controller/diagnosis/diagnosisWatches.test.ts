import { expect } from "chai";
import {
  API_VERSION,
  type Condition,
  type Diagnosis,
  KIND,
} from "../../../../operator/api/v1alpha1/diagnosis.js";
import {
  diagnosesOnNode,
  diagnosisIndexes,
  diagnosisKeyOfJob,
  queuedDiagnoses,
} from "../../../../operator/controller/diagnosis/diagnosisWatches.js";
import { diagnosisLabels } from "../../../../operator/controller/jobs/collectorJob.js";
import { ObjectStore } from "../../../../operator/controller/runtime/objectStore.js";

function diagnosis(
  name: string,
  opts: { node?: string; targetNode?: string; conditions?: Condition[]; uid?: string } = {},
): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: "shop", uid: opts.uid ?? `uid-${name}`, resourceVersion: "1" },
    spec: { target: opts.targetNode ? { node: opts.targetNode } : { pod: name } },
    status: {
      ...(opts.node ? { target: { node: opts.node } } : {}),
      ...(opts.conditions ? { conditions: opts.conditions } : {}),
    },
  };
}

const condition = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: "",
  lastTransitionTime: "2025-01-01T00:00:00Z",
});

function store(...ds: Diagnosis[]): ObjectStore<Diagnosis> {
  const s = new ObjectStore<Diagnosis>();
  for (const [name, fn] of Object.entries(diagnosisIndexes)) s.addIndex(name, fn);
  for (const d of ds) s.set(d);
  return s;
}

function jobOf(d: Diagnosis): { metadata: { labels: Record<string, string> } } {
  return {
    metadata: {
      labels: diagnosisLabels({
        namespace: d.metadata.namespace!,
        name: d.metadata.name!,
        uid: d.metadata.uid!,
      }),
    },
  };
}

describe("Diagnosis watches (index lookups)", () => {
  it("a collector Job maps to its Diagnosis, by UID when the name label is hashed", () => {
    const short = diagnosis("tomcat-oom");
    const long = diagnosis(`a-very-long-diagnosis-name-${"x".repeat(60)}`);
    const s = store(short, long);
    expect(diagnosisKeyOfJob(jobOf(short), s)).to.deep.equal(["shop/tomcat-oom"]);
    expect(jobOf(long).metadata.labels["diagnose.dev/diagnosis-name"]).to.not.equal(
      long.metadata.name,
    );
    expect(diagnosisKeyOfJob(jobOf(long), s)).to.deep.equal([`shop/${long.metadata.name}`]);
  });

  it("a Job of a Diagnosis not cached (yet, or any more) maps to the name in its labels", () => {
    expect(diagnosisKeyOfJob(jobOf(diagnosis("gone")), store())).to.deep.equal(["shop/gone"]);
    // Deleted and recreated under the same name: the UID no longer matches, the name does.
    const recreated = diagnosis("again", { uid: "uid-new" });
    expect(diagnosisKeyOfJob(jobOf(diagnosis("again")), store(recreated))).to.deep.equal([
      "shop/again",
    ]);
  });

  it("objects the operator did not make map to nothing", () => {
    const labels = jobOf(diagnosis("x")).metadata.labels;
    const s = store(diagnosis("x"));
    expect(diagnosisKeyOfJob({ metadata: { labels: {} } }, s)).to.deep.equal([]);
    expect(
      diagnosisKeyOfJob(
        { metadata: { labels: { ...labels, "app.kubernetes.io/managed-by": "Helm" } } },
        s,
      ),
    ).to.deep.equal([]);
  });

  it("queued Diagnoses are those whose JobCreated reason is Queued, following updates", () => {
    const queued = diagnosis("q", { conditions: [condition("JobCreated", "False", "Queued")] });
    const waiting = diagnosis("w", {
      conditions: [condition("JobCreated", "False", "WaitingForTarget")],
    });
    const s = store(queued, waiting, diagnosis("new"));
    expect(queuedDiagnoses(s)).to.deep.equal(["shop/q"]);
    s.set(diagnosis("q", { conditions: [condition("JobCreated", "True", "JobCreated")] }));
    expect(queuedDiagnoses(s)).to.deep.equal([]);
  });

  it("Diagnoses on a node: unfinished ones whose collector runs there or that target it", () => {
    const running = diagnosis("running", { node: "n1" });
    const nodeTarget = diagnosis("node-target", { targetNode: "n1" });
    const done = diagnosis("done", {
      node: "n1",
      conditions: [condition("Completed", "True", "Succeeded")],
    });
    const failed = diagnosis("failed", {
      node: "n1",
      conditions: [condition("Failed", "True", "NodeGone")],
    });
    const s = store(running, nodeTarget, done, failed, diagnosis("elsewhere", { node: "n2" }));
    expect(diagnosesOnNode("n1", s).sort()).to.deep.equal(["shop/node-target", "shop/running"]);
    expect(diagnosesOnNode("n2", s)).to.deep.equal(["shop/elsewhere"]);
    s.set(
      diagnosis("running", {
        node: "n1",
        conditions: [condition("Completed", "True", "Succeeded")],
      }),
    );
    expect(diagnosesOnNode("n1", s)).to.deep.equal(["shop/node-target"]);
  });
});
