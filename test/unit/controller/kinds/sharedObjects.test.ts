import { expect } from "chai";
import { SharedObjects } from "../../../../operator/controller/kinds/sharedObjects.js";

describe("SharedObjects", () => {
  it("returns the first object made under a key, frozen to the bottom", () => {
    const shared = new SharedObjects();
    const a = shared.share("k", () => ({ list: [{ x: 1 }] }));
    const b = shared.share("k", () => ({ list: [{ x: 2 }] }));
    expect(b).to.equal(a);
    expect(Object.isFrozen(a.list[0])).to.equal(true);
  });

  it("starts over when full, so distinct objects cannot grow it past its bound", () => {
    const shared = new SharedObjects(3);
    for (let i = 0; i < 10; i++) shared.share(`k${i}`, () => ({ i }));
    expect(shared.size()).to.be.at.most(3);
  });
});
