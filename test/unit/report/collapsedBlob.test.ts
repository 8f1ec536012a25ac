import { expect } from "chai";
import { decodeCollapsed, encodeCollapsed } from "../../../operator/report/collapsedBlob.js";
import { parseCollapsed } from "../../../operator/report/collapsedText.js";

describe("collapsed blob", () => {
  it("round-trips through gzip+base64", () => {
    const stacks = parseCollapsed("a;b 3\na;c 1\n");
    const blob = encodeCollapsed(stacks);
    expect(blob).to.include({ capped: false, stacks: 2, samples: 4, keptSamples: 4 });
    expect(decodeCollapsed(blob)).to.equal("a;b 3\na;c 1\n");
  });

  it("keeps the heaviest stacks under the cap and says so", () => {
    const stacks = new Map<string, number>();
    for (let i = 0; i < 2000; i++)
      stacks.set(`proc;frame_${i.toString(36)}_${(i * 7919).toString(16)};leaf${i}`, i + 1);
    const blob = encodeCollapsed(stacks, 4096);
    expect(blob.capped).to.equal(true);
    expect(blob.data.length).to.be.at.most(4096);
    expect(blob.note).to.match(/kept the \d+ heaviest of 2000 stacks/);
    const kept = parseCollapsed(decodeCollapsed(blob));
    expect(kept.size).to.equal(blob.keptStacks);
    expect(Math.min(...kept.values())).to.be.greaterThan(2000 - blob.keptStacks);
  });
});
