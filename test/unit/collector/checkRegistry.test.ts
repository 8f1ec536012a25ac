import { expect } from "chai";
import { ALL_CHECKS } from "../../../operator/api/v1alpha1/diagnosis.js";
import { CHECKS, loadCheck } from "../../../operator/collector/checks/registry.js";

describe("check registry", () => {
  it("names every check once, with the scope its own module gives it", async () => {
    expect(CHECKS.map((c) => c.name)).to.have.members([...ALL_CHECKS]);
    for (const c of CHECKS) {
      const own = await loadCheck(c.name);
      expect(own?.name, c.name).to.equal(c.name);
      expect(own?.scope, c.name).to.equal(c.scope);
    }
  });
});
