import { expect } from "chai";
import {
  COMPLETED,
  changedConditions,
  derivePhase,
  FAILED,
  JOB_CREATED,
  setCondition,
} from "../../../../operator/controller/diagnosis/conditions.js";

const t0 = new Date("2026-01-01T00:00:00.000Z");
const t1 = new Date("2026-01-01T00:01:00.000Z");

describe("conditions", () => {
  it("adds a condition with the transition time and observedGeneration", () => {
    const list = setCondition(
      undefined,
      { type: JOB_CREATED, status: "False", reason: "Queued", message: "m" },
      3,
      t0,
    );
    expect(list).to.deep.equal([
      {
        type: JOB_CREATED,
        status: "False",
        reason: "Queued",
        message: "m",
        lastTransitionTime: t0.toISOString(),
        observedGeneration: 3,
      },
    ]);
  });

  it("keeps lastTransitionTime when the status does not change, even if the reason does", () => {
    const a = setCondition(
      undefined,
      { type: JOB_CREATED, status: "True", reason: "JobCreated", message: "" },
      1,
      t0,
    );
    const b = setCondition(
      a,
      { type: JOB_CREATED, status: "True", reason: "CollectorRunning", message: "x" },
      2,
      t1,
    );
    expect(b[0]).to.include({
      lastTransitionTime: t0.toISOString(),
      reason: "CollectorRunning",
      observedGeneration: 2,
    });
    const c = setCondition(
      b,
      { type: JOB_CREATED, status: "False", reason: "Queued", message: "" },
      2,
      t1,
    );
    expect(c[0]!.lastTransitionTime).to.equal(t1.toISOString());
    expect(a[0]!.reason).to.equal("JobCreated", "input list is not mutated");
  });

  it("rejects a reason the CRD would reject", () => {
    expect(() =>
      setCondition([], { type: FAILED, status: "True", reason: "not ok", message: "" }, 1, t0),
    ).to.throw();
  });

  it("derives the phase: Failed > Completed > JobCreated > Pending", () => {
    let list = setCondition(
      [],
      { type: JOB_CREATED, status: "False", reason: "Queued", message: "" },
      1,
      t0,
    );
    expect(derivePhase(list)).to.equal("Pending");
    list = setCondition(
      list,
      { type: JOB_CREATED, status: "True", reason: "JobCreated", message: "" },
      1,
      t0,
    );
    expect(derivePhase(list)).to.equal("Running");
    const done = setCondition(
      list,
      { type: COMPLETED, status: "True", reason: "Succeeded", message: "" },
      1,
      t0,
    );
    expect(derivePhase(done)).to.equal("Succeeded");
    const failed = setCondition(
      list,
      { type: FAILED, status: "True", reason: "NodeGone", message: "" },
      1,
      t0,
    );
    expect(derivePhase(failed)).to.equal("Failed");
    expect(derivePhase(undefined)).to.equal("Pending");
  });

  it("reports changed conditions for Events", () => {
    const a = setCondition(
      [],
      { type: JOB_CREATED, status: "True", reason: "JobCreated", message: "" },
      1,
      t0,
    );
    const same = setCondition(
      a,
      { type: JOB_CREATED, status: "True", reason: "JobCreated", message: "other" },
      1,
      t1,
    );
    expect(changedConditions(a, same)).to.deep.equal([]);
    const b = setCondition(
      a,
      { type: COMPLETED, status: "True", reason: "Succeeded", message: "" },
      1,
      t1,
    );
    expect(changedConditions(a, b).map((c) => c.type)).to.deep.equal([COMPLETED]);
  });
});
