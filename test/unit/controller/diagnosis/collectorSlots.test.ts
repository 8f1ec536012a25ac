import type { V1Job } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  CollectorSlots,
  decideSlot,
} from "../../../../operator/controller/diagnosis/collectorSlots.js";

function job(name: string, node: string, finished = false): V1Job {
  return {
    metadata: { name },
    spec: { template: { spec: { nodeName: node, containers: [] } } },
    status: finished ? { conditions: [{ type: "Complete", status: "True" }] } : {},
  };
}

describe("collector slots", () => {
  it("caps per node and per cluster", () => {
    const caps = { maxJobsPerNode: 1, maxJobs: 2 };
    expect(decideSlot([], "n1", caps).ok).to.equal(true);
    expect(decideSlot([{ name: "a", node: "n1" }], "n1", caps)).to.deep.equal({
      ok: false,
      message: "1/1 collector Jobs are running on node n1",
    });
    expect(decideSlot([{ name: "a", node: "n1" }], "n2", caps).ok).to.equal(true);
    expect(
      decideSlot(
        [
          { name: "a", node: "n1" },
          { name: "b", node: "n2" },
        ],
        "n3",
        caps,
      ).ok,
    ).to.equal(false);
  });

  it("counts reservations the cache has not shown yet, and finished Jobs not at all", () => {
    let t = 0;
    const slots = new CollectorSlots(
      { maxJobsPerNode: 1, maxJobs: 10 },
      { now: () => new Date(t) },
    );
    expect(slots.tryReserve("a", "n1", []).ok).to.equal(true);
    expect(slots.tryReserve("b", "n1", []).ok).to.equal(false, "a is reserved");
    expect(slots.tryReserve("b", "n1", [job("a", "n1", true)]).ok).to.equal(true, "a finished");
    slots.release("b");
    expect(slots.tryReserve("c", "n2", []).ok).to.equal(true);
    t = 61_000;
    expect(slots.tryReserve("d", "n2", []).ok).to.equal(true, "stale reservation expired");
  });
});
