import { expect } from "chai";
import { analyzeNetwork } from "../../../operator/analysis/networkRules.js";
import type { Finding } from "../../../operator/api/v1alpha1/diagnosis.js";
import {
  dedupeFirewallRules,
  withRuleDeltas,
} from "../../../operator/collector/network/dedupeFirewallRules.js";
import { findVethPeer } from "../../../operator/collector/network/findVethPeer.js";
import { parseConntrackStats } from "../../../operator/collector/network/parseConntrackStats.js";
import { parseIpLinkJson } from "../../../operator/collector/network/parseIpLinkJson.js";
import { parseIptablesSave } from "../../../operator/collector/network/parseIptablesSave.js";
import { parseNftRulesetJson } from "../../../operator/collector/network/parseNftRulesetJson.js";
import {
  mergeCounterTables,
  parseProcNetCounters,
} from "../../../operator/collector/network/parseProcNetCounters.js";
import { parseTcQdiscJson } from "../../../operator/collector/network/parseTcQdiscJson.js";
import { parseTcQdiscText } from "../../../operator/collector/network/parseTcQdiscText.js";
import type { NetworkEvidence } from "../../../operator/report/evidence/networkEvidence.js";
import { fixture } from "../collector/network/fixtures.js";

const PID = 4242;

/** A healthy namespace built from real captures: noqueue qdiscs, no drops, MTUs agree. */
function healthy(): NetworkEvidence {
  const interfaces = parseIpLinkJson(fixture("ip-link-pod.json"));
  const peerLinks = parseIpLinkJson(fixture("ip-link-peer.json")).map((l) => ({
    ifindex: l.ifindex,
    iflink: l.linkIndex,
    name: l.name,
    mtu: l.mtu,
  }));
  const peer = findVethPeer(interfaces[1]!, peerLinks, { netns: "dgn-s2-cap-peer" });
  return {
    pid: PID,
    netns: "net:[4026532177]",
    netnsCandidates: [{ netns: "net:[4026532177]", pids: 1 }],
    sampleSeconds: 2,
    interfaces,
    interfaceDeltas: {},
    peers: peer ? [peer] : [],
    qdiscs: parseTcQdiscJson(fixture("tc-qdisc-tbf.json")).filter((q) => q.kind === "noqueue"),
    qdiscDeltas: {},
    snmp: mergeCounterTables(
      parseProcNetCounters(fixture("proc-net-snmp.txt")),
      parseProcNetCounters(fixture("proc-net-netstat.txt")),
    ),
    tcpRates: {},
    tcpDeltas: { "Tcp.RetransSegs": 0, "Tcp.OutSegs": 40, "TcpExt.TCPSynRetrans": 0 },
    firewall: { rules: [], policies: parseIptablesSave(fixture("iptables-save-nft.txt")).policies },
    conntrack: { count: 182, max: 262144, perCpu: parseConntrackStats(fixture("conntrack-S.txt")) },
    sources: Object.fromEntries(
      [
        "interfaces",
        "qdiscs",
        "tcpCounters",
        "iptables",
        "iptablesLegacy",
        "nft",
        "peers",
        "conntrack",
      ].map((k) => [k, { status: "ok" as const }]),
    ),
  };
}

const serious = (fs: Finding[]) => fs.filter((f) => f.severity !== "Info");
const one = (fs: Finding[], code: string) => {
  const hits = fs.filter((f) => f.code === code);
  expect(hits, `${code} in ${fs.map((f) => f.code).join(",")}`).to.have.length(1);
  return hits[0]!;
};

describe("analyzeNetwork", () => {
  it("a healthy namespace yields only Info findings, including conntrack 182/262144 as fine", () => {
    const fs = analyzeNetwork(healthy());
    expect(serious(fs)).to.deep.equal([]);
    expect(one(fs, "ConntrackOk").summary).to.include("182/262144");
    expect(fs.map((f) => f.code)).to.include.members([
      "FirewallClean",
      "QdiscsClean",
      "MtuConsistent",
      "InterfacesClean",
      "TcpHealthy",
    ]);
    expect(fs.every((f) => f.check === "network" && f.source === "Collector")).to.equal(true);
  });

  it("the veth peer is found by index in both directions", () => {
    const d = healthy();
    expect(d.peers).to.deep.equal([
      {
        podInterface: "eth0",
        podMtu: 1500,
        peerIfindex: 5,
        peerName: "dgn-s2-cap-h",
        peerMtu: 1500,
        location: { netns: "dgn-s2-cap-peer" },
      },
    ]);
    const pod = d.interfaces[1]!;
    // Same ifindex but pointing elsewhere: not the peer.
    expect(findVethPeer(pod, [{ ifindex: 5, iflink: 9, name: "x", mtu: 9000 }], "host")).to.equal(
      undefined,
    );
  });

  it("random DROP rules in INPUT and OUTPUT: one Critical IptablesDropRule naming both chains, deduplicated against nft", () => {
    const d = healthy();
    const nft = parseIptablesSave(fixture("iptables-save-nft.txt"));
    const legacy = parseIptablesSave(fixture("iptables-legacy-save.txt"));
    const viaNft = parseNftRulesetJson(fixture("nft-ruleset.json"));
    const rules = dedupeFirewallRules([...nft.rules, ...legacy.rules, ...viaNft.rules]);
    expect(rules.filter((r) => r.source === "nft").map((r) => r.table)).to.deep.equal(["dgn_test"]);
    d.firewall.rules = withRuleDeltas(rules, rules);
    const fs = analyzeNetwork(d);
    const critical = fs.filter((f) => f.code === "IptablesDropRule" && f.severity === "Critical");
    expect(critical).to.have.length(1);
    const f = critical[0]!;
    expect(f.summary).to.match(/in INPUT and OUTPUT/);
    expect(f.summary).to.include("drop 30% of the packets at random");
    expect(f.summary).to.include("statistic mode random probability 0.3 (30%)");
    expect(f.evidence?.rules).to.have.length(2);
    expect(f.remediation).to.include(
      `nsenter --net=/proc/${PID}/ns/net iptables -t filter -D INPUT -m statistic --mode random --probability 0.29999999981 -j DROP`,
    );
    expect(f.remediation).to.include("-D OUTPUT -m statistic");
    // The legacy rule dropped 2 packets before the sample and none during it: reported, not alarmed.
    const quiet = fs.filter((x) => x.code === "IptablesDropRule" && x.severity === "Info");
    expect(quiet).to.have.length(1);
    expect(quiet[0]!.remediation).to.include(
      "iptables-legacy -t filter -D INPUT -p tcp -m tcp --dport 9090 -j DROP",
    );
  });

  it("a DROP rule that matched packets during the sample is a Warning", () => {
    const d = healthy();
    const legacy = parseIptablesSave(fixture("iptables-legacy-save.txt")).rules;
    const before = legacy.map((r) => ({ ...r, packets: r.packets - 1 }));
    d.firewall.rules = withRuleDeltas(before, legacy);
    expect(d.firewall.rules[0]!.packetsDuringSample).to.equal(1);
    expect(one(analyzeNetwork(d), "IptablesDropRule").severity).to.equal("Warning");
  });

  it("netem loss 30% (S2 captured in the guest, JSON or text) -> Critical QdiscLoss with the delete command", () => {
    for (const qdiscs of [
      parseTcQdiscJson(fixture("tc-qdisc-netem-s2.json")),
      parseTcQdiscText(fixture("tc-qdisc-netem-s2.txt"), "eth0"),
    ]) {
      const d = healthy();
      d.qdiscs = qdiscs;
      const fs = analyzeNetwork(d);
      const f = one(fs, "QdiscLoss");
      expect(f.severity).to.equal("Critical");
      expect(f.summary).to.include("lose 30%").and.to.include("dropped 4 of 21");
      expect(f.remediation).to.include(
        `nsenter --net=/proc/${PID}/ns/net tc qdisc del dev eth0 root`,
      );
      expect(fs.filter((x) => x.code === "QdiscDrops")).to.deep.equal([]);
    }
  });

  it("netem without loss is an impairment; a child qdisc is deleted by parent and handle (captured in the guest)", () => {
    const d = healthy();
    d.qdiscs = parseTcQdiscJson(fixture("tc-qdisc-netem-full.json"));
    const fs = analyzeNetwork(d);
    expect(one(fs, "QdiscLoss").summary).to.include("corrupt 0.1%");
    const impair = one(fs, "QdiscImpairment");
    expect(impair.summary).to.include("delay 50ms");
    expect(impair.remediation).to.include("tc qdisc del dev eth1 parent 1:2 handle 20:");
  });

  it("a real tbf overrun (296 of 310 dropped) -> Warning QdiscDrops even without drops during the sample", () => {
    const d = healthy();
    d.qdiscs = parseTcQdiscJson(fixture("tc-qdisc-tbf.json"));
    const f = one(analyzeNetwork(d), "QdiscDrops");
    expect(f.severity).to.equal("Warning");
    expect(f.summary).to.include("dropped 296 of 310").and.to.include("100 kbit/s");
    expect(f.remediation).to.include("tc qdisc change dev eth0 root tbf rate 200kbit");
    expect(f.remediation).to.include("tc qdisc del dev eth0 root");
  });

  it("a few old qdisc drops among many packets stay Info; new drops in the sample are a Warning", () => {
    const d = healthy();
    const [, tbf] = parseTcQdiscJson(fixture("tc-qdisc-tbf.json"));
    tbf!.stats = { ...tbf!.stats, packets: 100000, drops: 3 };
    d.qdiscs = [tbf!];
    expect(one(analyzeNetwork(d), "QdiscDrops").severity).to.equal("Info");
    d.qdiscDeltas = { "eth0 8001:": { ...tbf!.stats, drops: 1 } };
    expect(one(analyzeNetwork(d), "QdiscDrops").severity).to.equal("Warning");
  });

  it("pod MTU 100 against a 1500 peer -> Critical MtuMismatch and MtuTooSmall with the MTU to set", () => {
    const d = healthy();
    d.interfaces = parseIpLinkJson(fixture("ip-link-pod-mtu100.json"));
    const peerLinks = parseIpLinkJson(fixture("ip-link-peer-mtu1500.json")).map((l) => ({
      ifindex: l.ifindex,
      iflink: l.linkIndex,
      name: l.name,
      mtu: l.mtu,
    }));
    d.peers = [findVethPeer(d.interfaces[1]!, peerLinks, "host")!];
    const fs = analyzeNetwork(d);
    const mismatch = one(fs, "MtuMismatch");
    expect(mismatch.severity).to.equal("Critical");
    expect(mismatch.summary).to.include("eth0 MTU 100").and.to.include("MTU 1500");
    expect(mismatch.remediation).to.include(
      `nsenter --net=/proc/${PID}/ns/net ip link set dev eth0 mtu 1500`,
    );
    expect(one(fs, "MtuTooSmall").severity).to.equal("Critical");
    // The 10 dropped oversized packets happened before the sample: evidence, not an alarm.
    const drops = one(fs, "InterfaceDrops");
    expect(drops.severity).to.equal("Info");
    expect(drops.summary).to.include("RX dropped 10");
    d.interfaceDeltas = {
      eth0: {
        rx: { bytes: 0, packets: 0, errors: 0, dropped: 2, overruns: 0 },
        tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, overruns: 0 },
      },
    };
    expect(one(analyzeNetwork(d), "InterfaceDrops").severity).to.equal("Warning");
  });

  it("an MTU between 576 and 1280 is a Warning; the pod larger than its peer is a Warning mismatch", () => {
    const d = healthy();
    d.interfaces[1]!.mtu = 1000;
    d.peers = [{ ...d.peers[0]!, podMtu: 1000, peerMtu: 900 }];
    const fs = analyzeNetwork(d);
    expect(one(fs, "MtuTooSmall").severity).to.equal("Warning");
    expect(one(fs, "MtuMismatch").severity).to.equal("Warning");
  });

  it("TCP: rates during the sample decide, not counters since the namespace was created", () => {
    const d = healthy();
    d.snmp.Tcp!.RetransSegs = 50_000;
    d.snmp.TcpExt!.TCPSynRetrans = 9_000;
    expect(serious(analyzeNetwork(d))).to.deep.equal([]);
    d.tcpDeltas = {
      "Tcp.RetransSegs": 4,
      "Tcp.OutSegs": 40,
      "TcpExt.TCPSynRetrans": 4,
      "TcpExt.TCPTimeouts": 7,
    };
    d.tcpRates = { "Tcp.RetransSegs": 2, "TcpExt.TCPSynRetrans": 2 };
    let fs = analyzeNetwork(d);
    // 4 retransmits are below the minimum count; 4 SYN retransmits are not.
    expect(fs.filter((f) => f.code === "TcpRetransmits")).to.deep.equal([]);
    expect(one(fs, "TcpSynRetransmits").severity).to.equal("Critical");
    d.tcpDeltas = { "Tcp.RetransSegs": 20, "Tcp.OutSegs": 100 };
    fs = analyzeNetwork(d);
    expect(one(fs, "TcpRetransmits").severity).to.equal("Critical");
    d.tcpDeltas = { "Tcp.RetransSegs": 6, "Tcp.OutSegs": 200 };
    expect(one(analyzeNetwork(d), "TcpRetransmits").severity).to.equal("Warning");
    d.tcpDeltas = { "Tcp.RetransSegs": 6, "Tcp.OutSegs": 10_000 };
    expect(analyzeNetwork(d).filter((f) => f.code === "TcpRetransmits")).to.deep.equal([]);
  });

  it("conntrack near full and conntrack drops", () => {
    const d = healthy();
    d.conntrack = { count: 240_000, max: 262_144, perCpu: [] };
    expect(one(analyzeNetwork(d), "ConntrackNearFull").severity).to.equal("Critical");
    d.conntrack.count = 200_000;
    const f = one(analyzeNetwork(d), "ConntrackNearFull");
    expect(f.severity).to.equal("Warning");
    expect(f.remediation).to.include("nf_conntrack_max=524288");
    d.conntrack = {
      count: 10,
      max: 262_144,
      perCpu: [{ cpu: 0, counters: { insert_failed: 3, drop: 1 } }],
    };
    const fs = analyzeNetwork(d);
    expect(one(fs, "ConntrackDrops").summary).to.include("insert_failed 3");
    expect(one(fs, "ConntrackOk").severity).to.equal("Info");
  });

  it("sources that were unavailable produce no 'clean' claims", () => {
    const d = healthy();
    d.sources = {};
    const codes = analyzeNetwork(d).map((f) => f.code);
    expect(codes).to.not.include.members([
      "FirewallClean",
      "QdiscsClean",
      "InterfacesClean",
      "TcpHealthy",
    ]);
  });
});
