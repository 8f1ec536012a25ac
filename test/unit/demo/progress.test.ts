import { expect } from "chai";
import { createProgress, formatStamp } from "../../demo/progress.js";

describe("demo progress", () => {
  it("stamps lines with the seconds since the start, one decimal, aligned", () => {
    expect(formatStamp(0)).to.equal("[   0.0s]");
    expect(formatStamp(12_345)).to.equal("[  12.3s]");
    expect(formatStamp(612_049)).to.equal("[ 612.0s]");
    expect(formatStamp(-5)).to.equal("[   0.0s]");
  });

  it("numbers the steps against the total and indents details under them", () => {
    let t = 1000;
    let out = "";
    const p = createProgress({ write: (s: string) => (out += s) }, 3, () => t);
    p.step("build");
    t += 2500;
    p.info("done\nsecond line");
    p.step("run");
    expect(out).to.equal(
      "\n[   0.0s] ==> Step 1/3: build\n[   2.5s]     done\n[   2.5s]     second line\n\n[   2.5s] ==> Step 2/3: run\n",
    );
    expect(p.elapsedMs()).to.equal(2500);
  });
});
