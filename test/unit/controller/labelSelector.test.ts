import { expect } from "chai";
import { parseLabelSelector } from "../../../operator/controller/labelSelector.js";

describe("parseLabelSelector", () => {
  it("namespace selectors: equality, set membership, absence; empty matches all", () => {
    const sel = parseLabelSelector("diagnose.dev/auto=enabled,env in (prod, staging),!legacy");
    expect(sel({ "diagnose.dev/auto": "enabled", env: "prod" })).to.equal(true);
    expect(sel({ "diagnose.dev/auto": "enabled", env: "dev" })).to.equal(false);
    expect(sel({ "diagnose.dev/auto": "enabled", env: "prod", legacy: "" })).to.equal(false);
    expect(parseLabelSelector("")({})).to.equal(true);
    expect(parseLabelSelector("a!=b")({})).to.equal(true);
    expect(parseLabelSelector("a notin (b)")({ a: "b" })).to.equal(false);
  });
});
