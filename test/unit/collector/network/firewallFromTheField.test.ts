import { expect } from "chai";
import { firewallOwner } from "../../../../operator/analysis/firewallOwner.js";
import { analyzeNetwork } from "../../../../operator/analysis/networkRules.js";
import { parseIptablesSave } from "../../../../operator/collector/network/parseIptablesSave.js";
import type {
  FirewallRule,
  NetworkEvidence,
} from "../../../../operator/report/evidence/networkEvidence.js";
import { fixture } from "./fixtures.js";

// Rule sets that kube-proxy, Calico and Docker wrote on real nodes: test/fixtures/network/README.md.
const PID = 4242;
const rulesOf = (name: string) => parseIptablesSave(fixture(`firewall/${name}`));

/** Only the firewall part of a namespace's evidence. */
function withRules(rules: FirewallRule[], policies: NetworkEvidence["firewall"]["policies"] = []) {
  const d: NetworkEvidence = {
    pid: PID,
    netns: "net:[1]",
    netnsCandidates: [],
    sampleSeconds: 1,
    interfaces: [],
    interfaceDeltas: {},
    peers: [],
    qdiscs: [],
    qdiscDeltas: {},
    snmp: {},
    tcpRates: {},
    tcpDeltas: {},
    firewall: { rules, policies },
    sources: { iptables: { status: "ok" } },
  };
  return analyzeNetwork(d).filter((f) => /Iptables|Firewall/.test(f.code));
}

/** The test gives a rule counters (the published rule sets were saved without them). */
const counted = (r: FirewallRule, packets: number, during: number): FirewallRule => ({
  ...r,
  packets,
  bytes: packets * 60,
  packetsDuringSample: during,
});

describe("firewall rules from kube-proxy, Calico and Docker", () => {
  it("kube-proxy's rule set: statistic load-balancing is not a random drop, and with no counters it is clean", () => {
    const r = rulesOf("kube-proxy-proxier-test-tracepackets.iptables-save");
    expect(r.totalRules).to.equal(35);
    // The `-m statistic --mode random` rule jumps to KUBE-SEP-*, it is not kept as a drop.
    expect(r.rules.map((x) => `${x.table}/${x.chain}/${x.target}`)).to.deep.equal([
      "filter/KUBE-SERVICES/REJECT",
      "filter/KUBE-EXTERNAL-SERVICES/DROP",
      "filter/KUBE-EXTERNAL-SERVICES/DROP",
      "filter/KUBE-EXTERNAL-SERVICES/DROP",
      "filter/KUBE-FIREWALL/DROP",
      "filter/KUBE-FORWARD/DROP",
      "filter/KUBE-PROXY-FIREWALL/DROP",
    ]);
    expect(r.rules.every((x) => x.randomProbability === undefined)).to.equal(true);
    expect(r.rules[0]!.matchText).to.equal(
      'comment "ns6/svc6:p80 has no endpoints" proto tcp dst 172.30.0.46 dport 80',
    );
    expect(r.rules[4]!.matchText).to.equal(
      'comment "block incoming localnet connections" dst 127.0.0.0/8 ! src 127.0.0.0/8 conntrack ! ctstate RELATED,ESTABLISHED,DNAT',
    );
    const fs = withRules(r.rules);
    expect(fs.map((f) => f.code)).to.deep.equal(["FirewallClean"]);
  });

  it("kube-proxy's 'has no endpoints' REJECT that counted packets: kube-proxy named, the Service and its endpoints advised, no iptables -D", () => {
    const [reject, ...rest] = rulesOf("kube-proxy-proxier-test-tracepackets.iptables-save").rules;
    const fs = withRules([counted(reject!, 12, 3), ...rest]);
    expect(fs).to.have.length(1);
    const f = fs[0]!;
    expect(f.severity).to.equal("Warning");
    expect(f.summary).to.match(
      /^kube-proxy \(Kubernetes Services\) dropped 12 packets \(3 during the sample\): Service ns6\/svc6 port p80 has no ready endpoints/,
    );
    expect(f.summary).to.include('comment "ns6/svc6:p80 has no endpoints"');
    expect(f.remediation).to.include(
      "kubectl get endpointslices -n ns6 -l kubernetes.io/service-name=svc6",
    );
    expect(f.remediation).to.not.match(/iptables|-D /);
    expect(f.evidence).to.deep.include({ owner: "kube-proxy" });
  });

  it("kube-proxy's other drops are explained at their level: local endpoints, conntrack INVALID, source ranges", () => {
    const rules = rulesOf("kube-proxy-proxier-test-tracepackets.iptables-save").rules;
    const meaning = (i: number) => firewallOwner(rules[i]!)!.meaning;
    expect(meaning(1)).to.include("externalTrafficPolicy Local");
    expect(meaning(5)).to.include("INVALID");
    expect(meaning(6)).to.include("loadBalancerSourceRanges");
    expect(firewallOwner(rules[4]!)!.id).to.equal("kubelet");
  });

  it("Calico's policy drop that counted packets: 'a network policy denies this traffic', Felix named, no iptables -D", () => {
    const r = rulesOf("calico-kube-controllers-198-cali-tw.iptables-save");
    expect(r.rules.map((x) => x.chain)).to.deep.equal([
      "cali-tw-cali1f5a29e647c",
      "cali-tw-calic5f85f41c48",
    ]);
    const drop = r.rules[1]!;
    expect(drop.matchText).to.equal(
      'comment "cali:RLza2_T_hbO5cy7X" comment "Drop if no policies passed packet" mark 0x0/0x2000000',
    );
    const fs = withRules([r.rules[0]!, counted(drop, 8041, 3)]);
    expect(fs).to.have.length(1);
    const f = fs[0]!;
    expect(f.summary).to.match(
      /^Calico \(Felix\) dropped 8041 packets \(3 during the sample\): a network policy denies this traffic: Calico found no policy that allows it \(ingress to the workload\)/,
    );
    expect(f.remediation).to.include("kubectl get networkpolicy");
    expect(f.remediation).to.include("re-creates them");
    expect(f.remediation).to.not.match(/iptables -|-D /);
  });

  it("Docker 28 (iptables-nft): its DOCKER chain drops are Docker's; unmatched raw-table guards are not findings", () => {
    const r = rulesOf("docker-28-moby-49518.iptables-save");
    expect(r.source).to.equal("iptables-nft");
    expect(r.rules.map((x) => `${x.table}/${x.chain}`)).to.deep.equal([
      "raw/PREROUTING",
      "raw/PREROUTING",
      "filter/DOCKER",
      "filter/DOCKER",
      "filter/DOCKER",
      "filter/DOCKER",
    ]);
    expect(withRules(r.rules).map((f) => f.code)).to.deep.equal(["FirewallClean"]);
    const fs = withRules([counted(r.rules[2]!, 5, 5), ...r.rules.slice(3)]);
    expect(fs[0]!.summary).to.match(/^Docker \(dockerd\) dropped 5 packets/);
    expect(fs[0]!.remediation).to.include("DOCKER-USER");
    expect(fs[0]!.remediation).to.not.match(/iptables -t/);
  });

  it("a FORWARD policy DROP that counted packets (Docker host, canonical/lxd#11140) is reported", () => {
    const r = rulesOf("lxd-11140-docker-forward-policy-drop.iptables-save");
    expect(r.rules).to.deep.equal([]);
    const fs = withRules(r.rules, r.policies);
    expect(fs.map((f) => [f.code, f.severity])).to.deep.equal([["IptablesDropPolicy", "Info"]]);
    expect(fs[0]!.summary).to.include("filter/FORWARD 72 packets");
  });

  it("a random DROP rule that has not matched yet (counters zeroed by the test from this machine's capture) is Critical, not clean", () => {
    const captured = parseIptablesSave(fixture("iptables-save-nft.txt")).rules;
    const random = captured
      .filter((x) => x.randomProbability !== undefined)
      .map((x) => counted(x, 0, 0));
    expect(random).to.have.length(2);
    const fs = withRules(random);
    expect(fs.map((f) => f.code)).to.not.include("FirewallClean");
    const f = fs.find((x) => x.severity === "Critical")!;
    expect(f.summary).to.include("drop 30% of the packets at random");
    expect(f.summary).to.include("none has matched a packet yet");
    expect(f.remediation).to.include(
      "-D INPUT -m statistic --mode random --probability 0.29999999981 -j DROP",
    );
  });

  it("an unconditional DROP in INPUT with no packets yet is Critical (written from the iptables-save format)", () => {
    const r = parseIptablesSave("*filter\n:INPUT ACCEPT [0:0]\n[0:0] -A INPUT -j DROP\nCOMMIT\n");
    const fs = withRules(r.rules);
    expect(fs[0]!.severity).to.equal("Critical");
    expect(fs[0]!.summary).to.include(
      "drop or reject all traffic (no packet has reached them yet)",
    );
  });
});
