import { expect } from "chai";
import {
  terminalLine,
  terminalSafeValue,
  terminalText,
} from "../../../operator/report/terminalText.js";

describe("terminal text: target strings cannot drive a terminal", () => {
  it("replaces C0, DEL, C1 (8-bit CSI), CR, LF and bidi overrides on one line", () => {
    const hostile =
      "java\u001b]0;owned\u0007\r\nCRITICAL fake\u009b31m\u007f\u202eevil\u2066x\u2028";
    const safe = terminalLine(hostile);
    expect(safe).to.equal(
      "java\ufffd]0;owned\ufffd\ufffd\ufffdCRITICAL fake\ufffd31m\ufffd\ufffdevil\ufffdx\ufffd",
    );
    expect(safe).not.to.match(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("keeps newlines in multi-line text, not carriage returns or escapes", () => {
    expect(terminalText("a\nb\r\u001b[2Kc\n")).to.equal("a\nb\ufffd\ufffd[2Kc\n");
  });

  it("caps a line without splitting a surrogate pair", () => {
    expect(terminalLine("abcdef", 4)).to.equal("abc…");
    expect(terminalLine("ab😀cd", 4)).to.equal("ab…");
  });

  it("walks JSON-like values: every string and key, nesting capped", () => {
    const v = { "k\u001b": ["x\ny", { deep: "\u009b" }], n: 1, b: true, z: null };
    expect(terminalSafeValue(v)).to.deep.equal({
      "k\ufffd": ["x\ufffdy", { deep: "\ufffd" }],
      n: 1,
      b: true,
      z: null,
    });
    let deep: unknown = "\u001b";
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(terminalSafeValue(deep))).not.to.include("\\u001b");
  });
});
