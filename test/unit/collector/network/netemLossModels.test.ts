import { expect } from "chai";
import { analyzeNetwork } from "../../../../operator/analysis/networkRules.js";
import { qdiscDeltas } from "../../../../operator/collector/network/counterDeltas.js";
import { parseTcQdiscJson } from "../../../../operator/collector/network/parseTcQdiscJson.js";
import { parseTcQdiscText } from "../../../../operator/collector/network/parseTcQdiscText.js";
import type {
  NetworkEvidence,
  QdiscInfo,
} from "../../../../operator/report/evidence/networkEvidence.js";
import { fixture } from "./fixtures.js";

const netem = (name: string) => fixture(`netem/${name}`);

function qdiscFindings(qdiscs: QdiscInfo[], before: QdiscInfo[] = qdiscs) {
  const d: NetworkEvidence = {
    pid: 4242,
    netns: "net:[1]",
    netnsCandidates: [],
    sampleSeconds: 1,
    interfaces: [],
    interfaceDeltas: {},
    peers: [],
    qdiscs,
    qdiscDeltas: qdiscDeltas(before, qdiscs),
    snmp: {},
    tcpRates: {},
    tcpDeltas: {},
    firewall: { rules: [], policies: [] },
    sources: { qdiscs: { status: "ok" } },
  };
  return analyzeNetwork(d).filter((f) => /^Qdisc/.test(f.code));
}

describe("netem loss models and multi-queue devices", () => {
  it("`loss state` (4-state Markov) as tc prints it: parsed, ~10% long-run loss, a Critical QdiscLoss", () => {
    const [q] = parseTcQdiscText(netem("index-autolab-loss-state.txt"), "eth1");
    expect(q!.netem).to.deep.include({
      lossModel: "state",
      lossState: { p13: 10, p31: 90, p32: 0, p23: 100, p14: 0 },
    });
    expect(q!.netem!.expectedLossPercent).to.be.closeTo(10, 0.01);
    const [f, ...rest] = qdiscFindings([q!]);
    expect(rest).to.deep.equal([]);
    expect(f!.code).to.equal("QdiscLoss");
    expect(f!.severity).to.equal("Critical");
    expect(f!.summary).to.include(
      "to lose packets in bursts (4-state model, about 10% of packets in the long run)",
    );
    expect(f!.summary).to.include("loss state p13 10% p31 90% p32 0% p23 100% p14 0%");
    expect(f!.remediation).to.include("tc qdisc del dev eth1 root");
  });

  it("`loss gemodel` (Gilbert-Elliott) as tc prints it: p 90% r 10% -> 90% long-run loss", () => {
    const [q] = parseTcQdiscText(netem("index-iproute2-gemodel.txt"), "test");
    expect(q!.netem!.lossGemodel).to.deep.equal({ p: 90, r: 10, oneMinusH: 100, oneMinusK: 0 });
    expect(q!.netem!.expectedLossPercent).to.equal(90);
    expect(qdiscFindings([q!])[0]!.summary).to.include(
      "Gilbert-Elliott model, about 90% of packets",
    );
  });

  it("gemodel, duplicate, reorder, corrupt and slot, text and tc -j alike (written from q_netem.c's print format)", () => {
    const [text] = parseTcQdiscText(netem("written-netem-gemodel-slot.txt"), "eth0");
    const [json] = parseTcQdiscJson(netem("written-netem-gemodel-slot.json"));
    expect(json!.netem).to.deep.equal(text!.netem);
    expect(text!.netem).to.deep.include({
      delayMs: 30,
      jitterMs: 10,
      lossModel: "gemodel",
      expectedLossPercent: 5,
      duplicatePercent: 1,
      reorderPercent: 25,
      corruptPercent: 0.1,
      slot: { minDelayMs: 0.8, maxDelayMs: 1, packets: 64, bytes: 3000 },
    });
    const [f] = qdiscFindings([json!]);
    expect(f!.summary).to.include("and to corrupt 0.1%");
    for (const part of [
      "delay 30ms ± 10ms",
      "loss gemodel p 5% r 95% 1-h 100% 1-k 0%",
      "duplicate 1%",
      "reorder 25%",
      "slot 800us-1ms packets 64 bytes 3000",
      "dropped 63 of 1264 packets",
    ])
      expect(f!.summary).to.include(part);
  });

  it("`loss-state` in tc -j output (written from q_netem.c's JSON branch) equals the text form", () => {
    const [json] = parseTcQdiscJson(netem("written-netem-loss-state.json"));
    const [text] = parseTcQdiscText(netem("index-autolab-loss-state.txt"), "eth0");
    expect(json!.netem).to.deep.equal(text!.netem);
  });

  it("mq root + per-queue fq_codel children: drops counted once, per queue (written from tc -s output)", () => {
    const qs = parseTcQdiscText(netem("written-mq-fq_codel-drops.txt"), "eth0");
    expect(
      qs.map((q) => `${q.kind} ${q.handle} ${q.parent ?? "root"} ${q.stats.drops}`),
    ).to.deep.equal(["mq 0: root 12", "fq_codel 0: :2 5", "fq_codel 0: :1 7"]);
    // Same handle "0:" on every queue: deltas are kept apart by the parent.
    const before = qs.map((q) => ({ ...q, stats: { ...q.stats, drops: q.stats.drops - 1 } }));
    expect(Object.keys(qdiscDeltas(before, qs))).to.have.length(3);
    const drops = qdiscFindings(qs, before).filter((f) => f.code === "QdiscDrops");
    expect(drops.map((f) => f.summary.split(" dropped")[0])).to.deep.equal([
      "qdisc fq_codel 0: (parent :2) on eth0",
      "qdisc fq_codel 0: (parent :1) on eth0",
    ]);
    const counted = drops.reduce((a, f) => a + (f.evidence!.stats as { drops: number }).drops, 0);
    expect(counted).to.equal(12);
  });
});
