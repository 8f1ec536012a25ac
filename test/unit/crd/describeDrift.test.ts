import { expect } from "chai";
import { describeDrift } from "../../../hack/devtools.js";

describe("describeDrift", () => {
  it("is undefined for equal texts", () => {
    expect(describeDrift("a\nb\n", "a\nb\n")).to.equal(undefined);
  });

  it("lists removed and added lines with their line numbers", () => {
    expect(describeDrift("a\nb\nc", "a\nB\nc\nd")).to.equal(
      ["+    2 | B", "-    2 | b", "+    4 | d"].join("\n"),
    );
  });

  it("caps the output", () => {
    const drift = describeDrift("x\n".repeat(100), "y\n".repeat(100), 10)!;
    expect(drift.split("\n")).to.have.length(11);
    expect(drift).to.match(/190 more changed lines$/);
  });
});
