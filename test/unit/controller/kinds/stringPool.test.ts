import { expect } from "chai";
import { StringPool } from "../../../../operator/controller/kinds/stringPool.js";

describe("StringPool", () => {
  it("keeps one entry per distinct string and returns it equal", () => {
    const pool = new StringPool(10);
    const a = pool.intern(["ben", "ch"].join(""));
    const b = pool.intern(`b${"ench"}`);
    expect(a).to.equal("bench");
    expect(b).to.equal("bench");
    pool.intern("node-1");
    expect(pool.size()).to.equal(2);
  });

  it("starts over when full, so unique values cannot grow it past its bound", () => {
    const pool = new StringPool(3);
    for (let i = 0; i < 100; i++) pool.intern(`uid-${i}`);
    expect(pool.size()).to.be.at.most(3);
    expect(pool.size()).to.be.at.least(1);
  });
});
