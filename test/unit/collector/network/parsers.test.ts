import { expect } from "chai";
import {
  parseConntrackStats,
  parseProcNetStatConntrack,
  parseSingleInteger,
} from "../../../../operator/collector/network/parseConntrackStats.js";
import { parseIpLinkJson } from "../../../../operator/collector/network/parseIpLinkJson.js";
import {
  iptablesMatchText,
  parseIptablesSave,
} from "../../../../operator/collector/network/parseIptablesSave.js";
import { parseNftRulesetJson } from "../../../../operator/collector/network/parseNftRulesetJson.js";
import {
  mergeCounterTables,
  parseProcNetNetstat,
  parseProcNetSnmp,
} from "../../../../operator/collector/network/parseProcNetCounters.js";
import { parseProcNetDev } from "../../../../operator/collector/network/parseProcNetDev.js";
import { parseTcQdiscJson } from "../../../../operator/collector/network/parseTcQdiscJson.js";
import {
  parseTcQdiscText,
  parseTcRate,
  parseTcSize,
  parseTcTime,
} from "../../../../operator/collector/network/parseTcQdiscText.js";
import { splitShellWords } from "../../../../operator/collector/network/splitShellWords.js";
import { fixture } from "./fixtures.js";

describe("network parsers", () => {
  describe("parseIpLinkJson", () => {
    it("reads counters, MTU and the veth peer's index and netns id", () => {
      const links = parseIpLinkJson(fixture("ip-link-pod.json"));
      expect(links.map((l) => l.name)).to.deep.equal(["lo", "eth0"]);
      const eth0 = links[1]!;
      expect(eth0).to.include({
        ifindex: 2,
        mtu: 1500,
        linkIndex: 5,
        linkNetnsId: 0,
        qdisc: "tbf",
      });
      expect(eth0.rx).to.deep.include({ packets: 37, bytes: 4670, dropped: 0 });
      expect(links[0]!.linkIndex).to.equal(undefined);
    });

    it("agrees with /proc/<pid>/net/dev captured at the same moment", () => {
      const links = parseIpLinkJson(fixture("ip-link-pod.json"));
      const dev = parseProcNetDev(fixture("proc-net-dev.txt"));
      for (const d of dev) {
        const l = links.find((x) => x.name === d.name)!;
        expect(d.rx.packets, d.name).to.equal(l.rx.packets);
        expect(d.tx.bytes, d.name).to.equal(l.tx.bytes);
        expect(d.rx.dropped, d.name).to.equal(l.rx.dropped);
      }
    });

    it("sees the RX drops of oversized packets on an MTU 100 interface, and the device kind with -d", () => {
      const eth0 = parseIpLinkJson(fixture("ip-link-pod-mtu100.json")).find(
        (l) => l.name === "eth0",
      )!;
      expect(eth0.mtu).to.equal(100);
      expect(eth0.rx.dropped).to.equal(10);
      expect(eth0.kind).to.equal("veth");
    });

    it("rejects output that is not a JSON array", () => {
      expect(() => parseIpLinkJson("{}")).to.throw(/array/);
    });
  });

  describe("parseTcQdiscJson / parseTcQdiscText", () => {
    it("reads a real tbf overrun: rate, drops and overlimits", () => {
      const tbf = parseTcQdiscJson(fixture("tc-qdisc-tbf.json")).find((q) => q.kind === "tbf")!;
      expect(tbf).to.include({ dev: "eth0", handle: "8001:", root: true });
      expect(tbf.tbf).to.deep.equal({
        rateBytesPerSecond: 12500,
        burstBytes: 1600,
        latencyUs: 112000,
      });
      expect(tbf.stats).to.include({ drops: 296, overlimits: 303, packets: 14 });
    });

    it("the text form of the same capture yields the same qdiscs and counters", () => {
      const json = parseTcQdiscJson(fixture("tc-qdisc-tbf.json"));
      const text = parseTcQdiscText(fixture("tc-qdisc-tbf.txt"));
      expect(text.map((q) => [q.dev, q.kind, q.handle, q.root])).to.deep.equal(
        json.map((q) => [q.dev, q.kind, q.handle, q.root]),
      );
      expect(text.map((q) => q.stats)).to.deep.equal(json.map((q) => q.stats));
      expect(text[1]!.tbf).to.deep.equal(json[1]!.tbf);
    });

    it("parses the S2 netem text captured in the guest: loss 30%, 17 packets sent, 4 dropped", () => {
      const [q] = parseTcQdiscText(fixture("tc-qdisc-netem-s2.txt"), "eth0");
      expect(q).to.include({ kind: "netem", handle: "8001:", dev: "eth0", root: true });
      expect(q!.netem).to.deep.equal({
        limit: 1000,
        lossModel: "random",
        lossPercent: 30,
        expectedLossPercent: 30,
      });
      expect(q!.stats).to.include({ bytes: 790, packets: 17, drops: 4, overlimits: 0 });
    });

    it("netem JSON (fractions and seconds) and text (percent and ms) give the same config", () => {
      const s2 = parseTcQdiscJson(fixture("tc-qdisc-netem-s2.json")).find((q) => q.dev === "eth0")!;
      const s2Text = parseTcQdiscText(fixture("tc-qdisc-netem-s2.txt"), "eth0")[0]!;
      expect(s2.netem).to.deep.equal(s2Text.netem);
      expect(s2.stats.drops).to.equal(s2Text.stats.drops);
      const all = parseTcQdiscJson(fixture("tc-qdisc-netem-full.json"));
      const full = all.find((q) => q.dev === "eth0");
      const child = all.find((q) => q.dev === "eth1" && q.kind === "netem");
      const fullText = parseTcQdiscText(fixture("tc-qdisc-netem-full.txt"), "eth0")[0]!;
      expect(full!.netem).to.deep.equal({
        limit: 1000,
        delayMs: 100,
        jitterMs: 10,
        lossModel: "random",
        lossPercent: 1,
        expectedLossPercent: 1,
        duplicatePercent: 1,
        reorderPercent: 25,
        corruptPercent: 0.1,
      });
      expect(fullText.netem).to.deep.equal(full!.netem);
      expect(child).to.include({ root: false, parent: "1:2", handle: "20:" });
      expect(child!.netem).to.deep.equal({ limit: 1000, delayMs: 50, jitterMs: 0 });
    });

    it("converts tc units", () => {
      expect(parseTcRate("100Kbit")).to.equal(12500);
      expect(parseTcRate("1Gbit")).to.equal(125e6);
      expect(parseTcRate("fast")).to.equal(undefined);
      expect(parseTcSize("1600b")).to.equal(1600);
      expect(parseTcSize("3Kb")).to.equal(3072);
      expect(parseTcTime("112ms")).to.equal(112000);
      expect(parseTcTime("1.5s")).to.equal(1_500_000);
    });
  });

  describe("parseProcNetSnmp / parseProcNetNetstat", () => {
    it("pairs header and value lines into sections", () => {
      const snmp = parseProcNetSnmp(fixture("proc-net-snmp.txt"));
      expect(Object.keys(snmp)).to.include.members(["Ip", "Icmp", "Tcp", "Udp"]);
      expect(snmp.Tcp).to.include({ RtoMin: 200, MaxConn: -1, RetransSegs: 0 });
      expect(snmp.Ip?.OutDiscards).to.equal(306);
      const netstat = parseProcNetNetstat(fixture("proc-net-netstat.txt"));
      expect(netstat.TcpExt).to.have.property("TCPSynRetrans");
      expect(netstat.TcpExt).to.have.property("ListenOverflows");
      const merged = mergeCounterTables(snmp, netstat);
      expect(merged.Tcp?.RtoMin).to.equal(200);
      expect(merged.TcpExt).to.deep.equal(netstat.TcpExt);
    });

    it("rejects a value line that does not belong to its header", () => {
      expect(() => parseProcNetSnmp("Tcp: A B\nUdp: 1 2\n")).to.throw(/unpaired/);
    });
  });

  describe("parseIptablesSave", () => {
    it("nft backend: DROP/REJECT rules with counters, probability and a verbatim delete command", () => {
      const r = parseIptablesSave(fixture("iptables-save-nft.txt"));
      expect(r.source).to.equal("iptables-nft");
      expect(r.totalRules).to.equal(3);
      const [input, reject, output] = r.rules;
      expect(input).to.include({
        chain: "INPUT",
        target: "DROP",
        packets: 7,
        bytes: 744,
        index: 0,
      });
      // As set (iptables stores 32 bits and prints 0.29999999981); the delete command keeps the text.
      expect(input!.randomProbability).to.equal(0.3);
      expect(input!.matchText).to.equal("statistic mode random probability 0.3 (30%)");
      expect(input!.deleteCommand).to.deep.equal(
        "iptables -t filter -D INPUT -m statistic --mode random --probability 0.29999999981 -j DROP".split(
          " ",
        ),
      );
      expect(reject).to.include({ chain: "INPUT", target: "REJECT", packets: 0, index: 1 });
      expect(reject!.randomProbability).to.equal(undefined);
      expect(output).to.include({ chain: "OUTPUT", packets: 10, index: 0 });
      expect(r.policies.map((p) => `${p.chain}:${p.policy}`)).to.deep.equal([
        "INPUT:ACCEPT",
        "FORWARD:ACCEPT",
        "OUTPUT:ACCEPT",
      ]);
    });

    it("legacy backend: named by its header, deleted with iptables-legacy", () => {
      const r = parseIptablesSave(fixture("iptables-legacy-save.txt"));
      expect(r.source).to.equal("iptables-legacy");
      expect(r.rules).to.have.length(1);
      expect(r.rules[0]).to.include({
        chain: "INPUT",
        packets: 2,
        matchText: "proto tcp dport 9090",
      });
      expect(r.rules[0]!.deleteCommand.slice(0, 5)).to.deep.equal([
        "iptables-legacy",
        "-t",
        "filter",
        "-D",
        "INPUT",
      ]);
      expect(r.policies[0]).to.include({ chain: "INPUT", packets: 21, bytes: 1136 });
    });

    it("keeps quoted comments as one argument", () => {
      const text =
        '*filter\n[3:120] -A INPUT -m comment --comment "drop \\"bad\\" peers" -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n';
      const [rule] = parseIptablesSave(text).rules;
      expect(rule!.ruleArgs).to.deep.equal([
        "-m",
        "comment",
        "--comment",
        'drop "bad" peers',
        "-j",
        "REJECT",
        "--reject-with",
        "icmp-port-unreachable",
      ]);
      expect(splitShellWords('a "b c" d')).to.deep.equal(["a", "b c", "d"]);
      expect(() => splitShellWords('a "b')).to.throw(/unterminated/);
      expect(iptablesMatchText(["!", "-s", "10.0.0.0/8", "-p", "udp"])).to.equal(
        "! src 10.0.0.0/8 proto udp",
      );
    });
  });

  describe("parseNftRulesetJson", () => {
    it("finds drop/reject rules, including iptables-nft ones seen through nft", () => {
      const { rules, totalRules } = parseNftRulesetJson(fixture("nft-ruleset.json"));
      expect(totalRules).to.equal(4);
      expect(
        rules.map((r) => `${r.family}/${r.table}/${r.chain}#${r.index}:${r.target}:${r.packets}`),
      ).to.deep.equal([
        "ip/filter/INPUT#0:DROP:7",
        "ip/filter/INPUT#1:REJECT:0",
        "ip/filter/OUTPUT#0:DROP:10",
        "inet/dgn_test/in#0:DROP:0",
      ]);
      const own = rules[3]!;
      expect(own.matchText).to.equal("udp dport 5353");
      expect(own.deleteCommand).to.deep.equal([
        "nft",
        "delete",
        "rule",
        "inet",
        "dgn_test",
        "in",
        "handle",
        "2",
      ]);
      expect(rules[0]!.matchText).to.equal('xt match "statistic"');
    });
  });

  describe("conntrack", () => {
    it("parses conntrack -S per CPU", () => {
      const stats = parseConntrackStats(fixture("conntrack-S.txt"));
      expect(stats.map((s) => s.cpu)).to.deep.equal([0, 1]);
      expect(stats[0]!.counters).to.include({ drop: 0, early_drop: 0, insert_failed: 0 });
    });

    it("parses the hex /proc/net/stat/nf_conntrack with the same per-CPU count", () => {
      const proc = parseProcNetStatConntrack(fixture("proc-net-stat-nf_conntrack.txt"));
      const tool = parseConntrackStats(fixture("conntrack-S.txt"));
      expect(proc.count).to.equal(0);
      expect(proc.perCpu).to.have.length(tool.length);
      expect(proc.perCpu[1]!.counters).to.include({ drop: 0, early_drop: 0, insert_failed: 0 });
      const hex =
        "entries  found drop early_drop\n000000b6  00000001 0000000a 00000000\n000000b6  00000000 00000002 00000000\n";
      const parsed = parseProcNetStatConntrack(hex);
      expect(parsed.count).to.equal(182);
      expect(parsed.perCpu.map((c) => c.counters.drop)).to.deep.equal([10, 2]);
      expect(parseSingleInteger("262144\n")).to.equal(262144);
      expect(() => parseSingleInteger("n/a")).to.throw();
    });
  });
});
