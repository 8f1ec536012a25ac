import { expect } from "chai";
import { owningWorkload } from "../../../operator/controller/trigger/restartRules.js";
import { benchPod } from "../../bench/benchObjects.js";
import { accountedRestarts, burstPods, sendSchedule } from "../../bench/burstPlan.js";

describe("burst plan", () => {
  const nodes = ["n0", "n1", "n2"];

  it("makes one pod per restart, evenly over the workloads, round-robin over nodes", () => {
    const pods = burstPods({ restarts: 1000, workloads: 100, nodes });
    expect(pods).to.have.length(1000);
    expect(new Set(pods.map((p) => p.name)).size).to.equal(1000);
    const perWorkload = new Map<string, number>();
    for (const p of pods) perWorkload.set(p.workload, (perWorkload.get(p.workload) ?? 0) + 1);
    expect(perWorkload.size).to.equal(100);
    expect([...perWorkload.values()].every((n) => n === 10)).to.equal(true);
    expect(pods.slice(0, 4).map((p) => p.node)).to.deep.equal(["n0", "n1", "n2", "n0"]);
    // Round-robin send order: the first 100 pods touch every workload once.
    expect(new Set(pods.slice(0, 100).map((p) => p.workload)).size).to.equal(100);
  });

  it("names pods as a ReplicaSet does, so the operator maps them to their Deployment", () => {
    for (const p of burstPods({ restarts: 40, workloads: 20, nodes })) {
      const pod = benchPod({ namespace: "ns", name: p.name, node: p.node, owner: p.owner });
      expect(p.name.startsWith(`${p.owner.replicaSet}-`)).to.equal(true);
      expect(owningWorkload(pod)).to.deep.equal({ kind: "Deployment", name: p.workload });
    }
  });

  it("refuses fewer restarts than workloads, or no nodes", () => {
    expect(() => burstPods({ restarts: 5, workloads: 10, nodes })).to.throw(RangeError);
    expect(() => burstPods({ restarts: 5, workloads: 1, nodes: [] })).to.throw(RangeError);
  });

  it("spreads sends evenly over the window", () => {
    expect(sendSchedule(4, 10_000)).to.deep.equal([0, 2500, 5000, 7500]);
    expect(sendSchedule(1, 10_000)).to.deep.equal([0]);
    expect(sendSchedule(0, 10_000)).to.deep.equal([]);
    const s = sendSchedule(1000, 10_000);
    expect(s.at(-1)).to.be.below(10_000);
  });

  it("adds up restartsObserved over the Diagnoses, ignoring ones without a trigger yet", () => {
    expect(
      accountedRestarts([
        { status: { trigger: { restartsObserved: 7 } } },
        { status: {} },
        { status: { trigger: { restartsObserved: 3 } } },
        {},
      ]),
    ).to.equal(10);
  });
});
