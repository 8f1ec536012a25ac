import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  findingLine,
  VERDICT_LINE_MAX,
  verdictLine,
  verdictSentence,
} from "../../../operator/analysis/verdictLine.js";
import type { Finding } from "../../../operator/api/v1alpha1/diagnosis.js";

const findingsOf = (name: string) =>
  (JSON.parse(readFileSync(`test/fixtures/reports/${name}`, "utf8")) as { findings: Finding[] })
    .findings;
const byCode = (fs: Finding[], code: string) => fs.find((f) => f.code === code)!;

describe("verdict line (the Verdict column) and sentence", () => {
  it("S1: severity, code and the key number, from the real report's findings", () => {
    const s1 = findingsOf("s1-jvm-oom.collector.json");
    expect(verdictLine(s1)).to.equal("Critical OOMKilledByCgroup: java 200Mi/200Mi");
    expect(findingLine(byCode(s1, "JvmHeapExceedsLimit"))).to.equal(
      "Critical JvmHeapExceedsLimit: heap 1Gi > limit 200Mi",
    );
    const fp = findingsOf("s1-footprint-direct.collector.json");
    expect(findingLine(byCode(fp, "JvmFootprintExceedsLimit"))).to.match(
      /^Critical JvmFootprintExceedsLimit: 878Mi > limit 256Mi$/,
    );
    // The sentence keeps the whole summary, for the Completed condition and kubectl describe.
    expect(verdictSentence(s1, ["memory", "jvm", "cpu"])).to.equal(`Critical: ${s1[0]!.summary}`);
  });

  it("a preliminary finding from the pod spec: the exit code and the limit", () => {
    const d = JSON.parse(readFileSync("test/fixtures/reports/manual.diagnosis.json", "utf8")) as {
      status: { findings: Finding[]; verdict: string };
    };
    expect(findingLine(byCode(d.status.findings, "ContainerOOMKilled"))).to.equal(
      "Critical ContainerOOMKilled: exit 137 at limit 512Mi",
    );
  });

  it("S3: the SYN cookies per second and the port", () => {
    const s3 = findingsOf("s3-synflood.collector.json");
    expect(verdictLine(s3)).to.match(/^Critical SynFlood: \d+ cookies\/s port 8080$/);
  });

  it("S2: the random-drop share and the MTUs", () => {
    const drop: Finding = {
      check: "network",
      severity: "Critical",
      code: "IptablesDropRule",
      summary: "2 firewall rule(s) drop 30% of the packets at random in INPUT and OUTPUT: ...",
      evidence: {
        chains: ["INPUT", "OUTPUT"],
        rules: [{ probability: 0.3 }, { probability: 0.3 }],
        ruleCount: 2,
      },
    };
    expect(findingLine(drop)).to.equal("Critical IptablesDropRule: 2 rules drop 30%");
    const mtu: Finding = {
      check: "network",
      severity: "Critical",
      code: "MtuMismatch",
      summary: "eth0 MTU 100 differs from its peer ...",
      evidence: { interface: "eth0", podMtu: 100, peerMtu: 1500 },
    };
    expect(findingLine(mtu)).to.equal("Critical MtuMismatch: eth0 MTU 100 vs 1500");
  });

  it("any other finding: its summary's first clause, cut to the column", () => {
    const long: Finding = {
      check: "softirq",
      severity: "Warning",
      code: "KernelThreadCpuHigh",
      summary: `ksoftirqd/0 uses 57% of a CPU ${"and more ".repeat(20)}`,
    };
    const line = findingLine(long);
    expect(line.length)
      .to.be.at.most(VERDICT_LINE_MAX)
      .and.above(VERDICT_LINE_MAX - 3);
    expect(line).to.match(/^Warning KernelThreadCpuHigh: ksoftirqd\/0 uses 57% of a…$/);
    // Evidence of the wrong shape (an older collector) falls back the same way.
    const odd: Finding = { ...long, code: "OOMKilledByCgroup", evidence: { victim: "x" } };
    expect(findingLine(odd)).to.match(/^Warning OOMKilledByCgroup: ksoftirqd/);
    expect(verdictLine([])).to.equal("OK: no problems found");
  });

  it("every line from the real reports fits the column", () => {
    for (const name of [
      "s1-jvm-oom.collector.json",
      "s1-footprint-direct.collector.json",
      "s3-synflood.collector.json",
    ])
      for (const f of findingsOf(name))
        expect(findingLine(f).length, findingLine(f)).to.be.at.most(VERDICT_LINE_MAX);
  });
});
