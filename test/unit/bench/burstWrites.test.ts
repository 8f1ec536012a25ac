import { expect } from "chai";
import { classifyWrite, tallyEvents, WriteTracker } from "../../bench/burstWrites.js";

describe("burst writes breakdown", () => {
  const queued = { type: "JobCreated", status: "False", reason: "Queued" };
  const trigger = (n: number) => ({ source: "PodRestart", restartsObserved: n });

  it("tells the trigger's writes from the reconciler's by what changed in status", () => {
    const d = (status?: Record<string, unknown>) => ({ metadata: { name: "a" }, status });
    expect(classifyWrite(d(), d({ trigger: trigger(1) }))).to.equal("trigger");
    expect(classifyWrite(d({ trigger: trigger(1) }), d({ trigger: trigger(2) }))).to.equal(
      "trigger",
    );
    expect(
      classifyWrite(d({ trigger: trigger(1) }), d({ trigger: trigger(1), conditions: [queued] })),
    ).to.equal("reconciler");
    expect(classifyWrite(d(), d({ trigger: trigger(1), conditions: [queued] }))).to.equal(
      "trigger+reconciler",
    );
    // Key order is not a change.
    expect(classifyWrite(d({ trigger: { a: 1, b: 2 } }), d({ trigger: { b: 2, a: 1 } }))).to.equal(
      "other",
    );
  });

  it("counts each Diagnosis' writes after its create", () => {
    const t = new WriteTracker();
    t.observe("ADDED", { metadata: { name: "a" } });
    t.observe("MODIFIED", { metadata: { name: "a" }, status: { conditions: [queued] } });
    t.observe("MODIFIED", {
      metadata: { name: "a" },
      status: { conditions: [queued], trigger: trigger(3) },
    });
    t.observe("ADDED", { metadata: { name: "b" } });
    t.observe("BOOKMARK", { metadata: {} });
    expect(t.tally()).to.deep.equal({
      byKind: { trigger: 1, reconciler: 1, "trigger+reconciler": 0, other: 0 },
      perDiagnosis: { 0: 1, 2: 1 },
    });
  });

  it("tallies Events by reason with their aggregated counts", () => {
    expect(
      tallyEvents([
        { reason: "Queued", count: 1 },
        { reason: "Queued", count: 3 },
        { reason: "JobCreated" },
      ]),
    ).to.deep.equal({
      Queued: { events: 2, occurrences: 4 },
      JobCreated: { events: 1, occurrences: 1 },
    });
  });
});
