import { expect } from "chai";
import { CleanupStack } from "../../demo/cleanupStack.js";

describe("demo cleanup stack", () => {
  it("runs actions newest first, once, even when one fails", async () => {
    const order: string[] = [];
    const stack = new CleanupStack(1_000);
    stack.defer("control plane", () => order.push("cp"));
    stack.defer("operator", async () => {
      order.push("operator");
      throw new Error("already gone");
    });
    stack.defer("cgroup", () => order.push("cgroup"));
    const [first, second] = await Promise.all([stack.runAll(), stack.runAll()]);
    expect(order).to.deep.equal(["cgroup", "operator", "cp"]);
    expect(second).to.equal(first);
    expect(first.map((o) => [o.label, o.ok])).to.deep.equal([
      ["cgroup", true],
      ["operator", false],
      ["control plane", true],
    ]);
    expect(first[1]?.error).to.equal("already gone");
  });

  it("gives up on an action that hangs and goes on with the rest", async () => {
    const order: string[] = [];
    const stack = new CleanupStack(50);
    stack.defer("first made", () => order.push("first"));
    stack.defer("hangs", () => new Promise(() => {}));
    const outcomes = await stack.runAll();
    expect(order).to.deep.equal(["first"]);
    expect(outcomes[0]).to.include({ label: "hangs", ok: false });
    expect(outcomes[0]?.error).to.match(/gave up after 50 ms/);
  });

  it("runs an action deferred after cleanup started at once (a step in flight made it)", async () => {
    const order: string[] = [];
    const stack = new CleanupStack(1_000);
    stack.defer("early", () => order.push("early"));
    const all = stack.runAll();
    stack.defer("late", async () => {
      order.push("late");
    });
    await all;
    const late = await stack.settleLate();
    expect(order).to.have.members(["early", "late"]);
    expect(late.map((o) => [o.label, o.ok])).to.deep.equal([["late", true]]);
  });

  it("runs urgent actions synchronously, newest first, once, ignoring their errors", () => {
    const order: string[] = [];
    const stack = new CleanupStack(1_000);
    stack.deferUrgent(() => order.push("a"));
    stack.deferUrgent(() => {
      throw new Error("boom");
    });
    stack.deferUrgent(() => order.push("c"));
    stack.runUrgent();
    stack.runUrgent();
    expect(order).to.deep.equal(["c", "a"]);
  });
});
