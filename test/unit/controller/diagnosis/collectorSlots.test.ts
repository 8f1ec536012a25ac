import type { V1Job } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  CollectorSlots,
  decideSlot,
  nextTurn,
  type Waiter,
} from "../../../../operator/controller/diagnosis/collectorSlots.js";

/** A waiting Job `name` of namespace `ns` on `node`, created at `since`. */
const w = (name: string, node: string, ns = "shop", since = 0): Waiter => ({
  name,
  namespace: ns,
  node,
  since,
});

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
    expect(slots.tryReserve(w("a", "n1"), []).ok).to.equal(true);
    expect(slots.tryReserve(w("b", "n1"), []).ok).to.equal(false, "a is reserved");
    expect(slots.tryReserve(w("b", "n1"), [job("a", "n1", true)]).ok).to.equal(true, "a finished");
    slots.release("b");
    expect(slots.tryReserve(w("c", "n2"), []).ok).to.equal(true);
    t = 61_000;
    expect(slots.tryReserve(w("d", "n2"), []).ok).to.equal(true, "stale reservation expired");
  });

  it("gives a free slot round robin across the namespaces waiting, oldest first within one", () => {
    const caps = { maxJobsPerNode: 5, maxJobs: 2 };
    const waiters = [w("a3", "n1", "a", 3), w("a1", "n1", "a", 1), w("b9", "n2", "b", 9)];
    expect(nextTurn(waiters, [], caps, undefined)?.name).to.equal("a1");
    expect(nextTurn(waiters, [], caps, "a")?.name, "after a: b").to.equal("b9");
    expect(nextTurn(waiters, [], caps, "b")?.name, "after the last: the first again").to.equal(
      "a1",
    );
    expect(nextTurn(waiters, [], caps, "aa")?.name, "a namespace no longer waiting").to.equal("b9");
    const full = [
      { name: "x", node: "n1" },
      { name: "y", node: "n2" },
    ];
    expect(nextTurn(waiters, full, caps, undefined), "no slot free").to.equal(undefined);
  });

  it("passes over waiters whose node is full: a busy node does not block the others", () => {
    const caps = { maxJobsPerNode: 1, maxJobs: 10 };
    const waiters = [w("b1", "n1", "b", 1), w("c1", "n2", "c", 2)];
    expect(nextTurn(waiters, [{ name: "x", node: "n1" }], caps, "a")?.name).to.equal("c1");
  });

  it("a burst of one namespace holds another's Diagnosis for one slot turn at most", () => {
    let t = 0;
    const slots = new CollectorSlots(
      { maxJobsPerNode: 10, maxJobs: 2 },
      { now: () => new Date(t) },
    );
    const jobs: V1Job[] = [];
    const ask = (x: Waiter) => {
      const d = slots.tryReserve(x, jobs);
      if (d.ok) jobs.push(job(x.name, x.node));
      return d;
    };
    // Namespace a fills both slots and queues four more; b's one Diagnosis arrives after them.
    for (let i = 0; i < 6; i++) ask(w(`a${i}`, "n1", "a", i));
    expect(jobs.map((j) => j.metadata!.name)).to.deep.equal(["a0", "a1"]);
    const b = ask(w("b0", "n1", "b", 100));
    expect(b).to.deep.equal({
      ok: false,
      message: "2/2 collector Jobs are running in the cluster",
    });

    // A slot frees; a's queued ones happen to ask first, but it is b's turn.
    t += 1000;
    jobs[0]!.status = { conditions: [{ type: "Complete", status: "True" }] };
    const a2 = ask(w("a2", "n1", "a", 2));
    expect(a2.ok).to.equal(false);
    expect(a2)
      .to.have.property("message")
      .that.matches(/namespace b's turn/);
    expect(ask(w("b0", "n1", "b", 100)).ok).to.equal(true);

    // The next free slot goes back to a, oldest first.
    t += 1000;
    jobs[1]!.status = { conditions: [{ type: "Complete", status: "True" }] };
    expect(ask(w("a5", "n1", "a", 5))).to.deep.equal({
      ok: false,
      message: "an older Diagnosis of namespace a is first",
    });
    expect(ask(w("a2", "n1", "a", 2)).ok).to.equal(true);
  });

  it("forgets a waiter that stopped asking, and a released one, so neither holds a turn", () => {
    let t = 0;
    const slots = new CollectorSlots(
      { maxJobsPerNode: 10, maxJobs: 1 },
      { now: () => new Date(t) },
    );
    const running = [job("x", "n1")];
    slots.tryReserve(w("a0", "n1", "a", 0), running);
    slots.tryReserve(w("b0", "n1", "b", 1), running);
    slots.release("a0");
    expect(slots.tryReserve(w("c0", "n1", "c", 2), []).ok, "a0 released, b0 still waits").to.equal(
      false,
    );
    t = 31_000;
    expect(slots.tryReserve(w("c0", "n1", "c", 2), []).ok, "b0 stopped asking").to.equal(true);
  });
});
