import { expect } from "chai";
import { olderThan } from "../../../../operator/controller/runtime/resourceVersion.js";

describe("olderThan (resourceVersion order)", () => {
  it("orders etcd revisions as integers, not as text", () => {
    expect(olderThan("9", "10")).to.equal(true);
    expect(olderThan("10", "9")).to.equal(false);
    expect(olderThan("123", "124")).to.equal(true);
    expect(olderThan("124", "124")).to.equal(false);
  });

  it("never orders what is not a revision: empty, missing, opaque, leading zeros", () => {
    for (const [a, b] of [
      ["", "5"],
      [undefined, "5"],
      ["5", undefined],
      ["abc", "5"],
      ["5", "7a"],
      ["05", "6"],
    ] as const)
      expect(olderThan(a, b), `${a} < ${b}`).to.equal(false);
  });
});
