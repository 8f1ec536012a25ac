import { expect } from "chai";
import { closingNotes, missingCodes } from "../../demo/closingNotes.js";
import { parseHpingSummary } from "../../demo/hpingSummary.js";
import { preflightProblems } from "../../demo/preflight.js";

describe("demo: expected findings, closing notes, preflight", () => {
  it("S1 needs both the cgroup OOM kill and the oversized heap", () => {
    expect(
      missingCodes("S1", ["OOMKilledByCgroup", "JvmHeapExceedsLimit", "ContainerOOMKilled"]),
    ).to.deep.equal([]);
    expect(missingCodes("S1", ["ContainerOOMKilled", "OOMKilledByCgroup"])).to.deep.equal([
      "JvmHeapExceedsLimit",
    ]);
  });

  it("S2 needs the DROP rule and one of the MTU findings", () => {
    expect(missingCodes("S2", ["IptablesDropRule", "MtuTooSmall"])).to.deep.equal([]);
    expect(missingCodes("S2", ["IptablesDropRule", "MtuMismatch"])).to.deep.equal([]);
    expect(missingCodes("S2", ["FirewallClean"])).to.deep.equal([
      "IptablesDropRule",
      "MtuMismatch or MtuTooSmall",
    ]);
  });

  it("names each scenario's result and what is missing, and how to install for real", () => {
    const text = closingNotes(
      [
        {
          scenario: "S1",
          diagnosis: "demo/a",
          verdict: "Critical: x",
          codes: ["OOMKilledByCgroup"],
          missing: ["JvmHeapExceedsLimit"],
        },
      ],
      "demo",
    );
    expect(text).to.include("S1  demo/a: Critical: x");
    expect(text).to.include("MISSING expected: JvmHeapExceedsLimit");
    expect(text).to.match(/helm install diagnose-operator \.\/charts\/diagnose-operator/);
  });

  it("reads hping3's summary (its stderr, as captured here)", () => {
    const out =
      "--- 10.252.0.2 hping statistic ---\n10 packets transmitted, 7 packets received, 30% packet loss\nround-trip min/avg/max = 0.2/0.6/0.9 ms\n";
    expect(parseHpingSummary(out)).to.deep.equal({ sent: 10, received: 7 });
    expect(parseHpingSummary("hping3: command not found")).to.equal(undefined);
  });

  it("says why the demo cannot run: not root, missing tools, no cgroup v1", () => {
    expect(preflightProblems({ uid: 0, missingCommands: [], cgroupV1Memory: true })).to.deep.equal(
      [],
    );
    const p = preflightProblems({ uid: 1000, missingCommands: ["hping3"], cgroupV1Memory: false });
    expect(p).to.have.length(3);
    expect(p[0]).to.match(/must run as root/);
    expect(p[1]).to.match(/hping3.*install-system-deps/);
    expect(p[2]).to.match(/cgroup v1/);
  });
});
