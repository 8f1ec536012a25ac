import type { ChildProcess } from "node:child_process";
import { expect } from "chai";
import { analyzeReport } from "../../operator/analysis/analyzeReport.js";
import type { Finding } from "../../operator/api/v1alpha1/diagnosis.js";
import { networkCheck } from "../../operator/collector/network/networkCheck.js";
import {
  addRandomDropRules,
  addSlowTbf,
  dropHandshakeAcksTo,
  setPodMtu,
} from "../support/faults/netFaults.js";
import {
  createNetnsPair,
  createPodWithHostVeth,
  destroyNetnsPair,
  destroyPodWithHostVeth,
  type NetnsPair,
  startPodProcess,
  stopProcess,
  sweepStaleNamespaces,
} from "../support/faults/netnsPair.js";
import {
  pingPod,
  requestFromPeer,
  startEchoServer,
  synProbe,
  udpBurstFromPod,
} from "../support/faults/traffic.js";
import { hostCheckContext } from "../support/hostCheckContext.js";
import { mustRun } from "../support/runCommand.js";
import { hostGap, skippedBecause } from "./hostKernelGaps.js";

const gap = hostGap("root");
const netemGap = hostGap("netem");

/** Loads iptables-restore text into the pod's namespace without flushing what is there. */
async function restoreInPod(pair: NetnsPair, rules: string): Promise<void> {
  await mustRun("ip", ["netns", "exec", pair.pod, "iptables-restore", "--noflush"], {
    input: rules,
  });
}

/**
 * What kube-proxy (iptables mode) and Calico write into a node's tables, reduced to one Service
 * with two endpoints (the `statistic --mode random` split that must not read as random loss), a
 * "has no endpoints" REJECT, and a Calico to-workload chain whose policy drops TCP port 8082.
 * Rule text as in kube-proxy's proxier_test.go and Calico's iptables-save (test/fixtures/network).
 */
function controllerRules(pair: NetnsPair): string {
  return [
    "*nat",
    ":KUBE-SERVICES - [0:0]",
    ":KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]",
    ":KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]",
    ":KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]",
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    `-A KUBE-SERVICES -d 10.251.9.44/32 -p tcp -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK`,
    `-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> ${pair.peerIp}:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC`,
    `-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> ${pair.podIp}:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ`,
    `-A KUBE-SEP-UKSFD7AGPMPPLUHC -p tcp -m comment --comment ns4/svc4:p80 -m tcp -j DNAT --to-destination ${pair.peerIp}:80`,
    `-A KUBE-SEP-C6EBXVWJJZMIWKLZ -p tcp -m comment --comment ns4/svc4:p80 -m tcp -j DNAT --to-destination ${pair.podIp}:80`,
    "COMMIT",
    "*filter",
    ":KUBE-SERVICES - [0:0]",
    ":cali-tw-eth0 - [0:0]",
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    `-A KUBE-SERVICES -d 10.251.9.46/32 -p tcp -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`,
    `-A INPUT -i ${pair.podIf} -m comment --comment "cali:fwd-to-wl" -j cali-tw-eth0`,
    `-A cali-tw-eth0 -m comment --comment "cali:FUgB7G5ObIh96acF" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A cali-tw-eth0 -m comment --comment "cali:WQJ64LtbzEP_A0C0" -m conntrack --ctstate INVALID -j DROP`,
    `-A cali-tw-eth0 -p tcp -m comment --comment "cali:allow-8083" -m tcp --dport 8083 -j ACCEPT`,
    `-A cali-tw-eth0 -p icmp -m comment --comment "cali:allow-icmp" -j ACCEPT`,
    `-A cali-tw-eth0 -m comment --comment "cali:RLza2_T_hbO5cy7X" -m comment --comment "Drop if no policies passed packet" -j DROP`,
    "COMMIT",
    "",
  ].join("\n");
}

async function runCheck(pid: number, sampleSeconds = 1) {
  const data = await networkCheck.collect(hostCheckContext(pid, sampleSeconds));
  return { data, findings: analyzeReport({ network: { status: "ok", durationMs: 0, data } }) };
}

const serious = (fs: Finding[]) => fs.filter((f) => f.severity !== "Info");
const byCode = (fs: Finding[], code: string) => fs.filter((f) => f.code === code);

describe(`S2 scenario: packet-loss causes in a real pod network namespace${skippedBecause(gap)}`, function () {
  this.timeout(60_000);
  let pair: NetnsPair | undefined;
  const children: ChildProcess[] = [];
  let pod: ChildProcess | undefined;

  before(async function () {
    if (gap) this.skip();
    await sweepStaleNamespaces();
  });

  beforeEach(async () => {
    pair = await createNetnsPair();
    pod = await startPodProcess(pair);
  });

  afterEach(async () => {
    for (const c of children.splice(0)) stopProcess(c);
    stopProcess(pod);
    if (pair) await destroyNetnsPair(pair);
    pair = undefined;
  });

  it("a clean namespace yields no Warning or Critical finding, and says what is healthy", async () => {
    await pingPod(pair!, 5);
    const { data, findings } = await runCheck(pod!.pid!);
    expect(serious(findings), JSON.stringify(serious(findings), null, 1)).to.deep.equal([]);
    expect(data.peers).to.have.length(1);
    expect(data.peers[0]).to.include({
      podInterface: "eth0",
      peerName: pair!.peerIf,
      peerMtu: 1500,
    });
    const codes = findings.map((f) => f.code);
    expect(codes).to.include.members([
      "FirewallClean",
      "QdiscsClean",
      "MtuConsistent",
      "TcpHealthy",
    ]);
    // Without sampling (--sample-seconds 0) the namespace is still judged healthy.
    const unsampled = await runCheck(pod!.pid!, 0);
    expect(unsampled.data.sampleSeconds).to.equal(0);
    expect(serious(unsampled.findings)).to.deep.equal([]);
  });

  it("random DROP rules in INPUT and OUTPUT -> IptablesDropRule naming both chains and the probability", async () => {
    await addRandomDropRules(pair!, 0.3);
    await pingPod(pair!, 30);
    const { data, findings } = await runCheck(pod!.pid!);
    const hits = data.firewall.rules.filter((r) => r.packets > 0);
    expect(hits.map((r) => r.chain).sort()).to.deep.equal(["INPUT", "OUTPUT"]);
    const [f, ...rest] = byCode(findings, "IptablesDropRule");
    expect(rest).to.deep.equal([]);
    expect(f?.severity).to.equal("Critical");
    expect(f?.summary)
      .to.match(/INPUT/)
      .and.to.match(/OUTPUT/);
    expect(f?.summary).to.include("statistic mode random probability 0.3 (30%)");
    expect(f?.remediation).to.include(
      "iptables -t filter -D INPUT -m statistic --mode random --probability 0.29999999981 -j DROP",
    );
    // The same rules are nftables rules too (iptables-nft); they must not be reported twice.
    expect(hits.filter((r) => r.source === "nft")).to.deep.equal([]);
  });

  it("a random DROP rule that no packet has reached yet is reported, not 'FirewallClean'", async () => {
    await addRandomDropRules(pair!, 0.3);
    const { data, findings } = await runCheck(pod!.pid!, 0);
    const random = data.firewall.rules.filter((r) => r.randomProbability !== undefined);
    expect(random.map((r) => [r.chain, r.packets, r.randomProbability])).to.deep.equal([
      ["INPUT", 0, 0.3],
      ["OUTPUT", 0, 0.3],
    ]);
    expect(byCode(findings, "FirewallClean")).to.deep.equal([]);
    const [f, ...rest] = byCode(findings, "IptablesDropRule");
    expect(rest).to.deep.equal([]);
    expect(f?.severity).to.equal("Critical");
    expect(f?.summary).to.include("drop 30% of the packets at random");
    expect(f?.summary).to.include("none has matched a packet yet");
    expect(f?.summary).to.include("statistic mode random probability 0.3 (30%)");
    expect(f?.remediation).to.include("-D INPUT -m statistic --mode random --probability");
  });

  it("kube-proxy's statistic load-balancing and a Calico-style policy drop chain: no random-drop alarm, Calico named, no iptables -D", async () => {
    const port = 8082;
    children.push(await startEchoServer(pair!, port, 30));
    await restoreInPod(pair!, controllerRules(pair!));
    await pingPod(pair!, 3);
    // A client whose SYNs the policy drops (a NetworkPolicy that does not allow port 8082).
    const denied = await requestFromPeer(pair!, port, 10, 1_500);
    expect(denied.connected, denied.output).to.equal(false);
    const { data, findings } = await runCheck(pod!.pid!);
    const statistic = data.firewall.rules.filter((r) => /statistic/.test(r.matchText));
    // kube-proxy's `statistic` rule jumps to KUBE-SEP-*: it is not a drop at all.
    expect(statistic).to.deep.equal([]);
    const policyDrop = data.firewall.rules.find(
      (r) => r.chain === "cali-tw-eth0" && r.matchText.includes("Drop if no policies"),
    );
    expect(policyDrop?.packets, JSON.stringify(data.firewall.rules)).to.be.greaterThan(0);
    const drops = byCode(findings, "IptablesDropRule");
    expect(
      drops.filter((f) => f.severity === "Critical"),
      JSON.stringify(drops),
    ).to.deep.equal([]);
    expect(drops.map((f) => f.summary).join("\n")).to.not.match(/at random/);
    const calico = drops.find((f) => f.evidence?.owner === "calico");
    expect(calico?.summary).to.match(/^Calico \(Felix\) dropped \d+ packets/);
    expect(calico?.summary).to.include("a network policy denies this traffic");
    expect(calico?.summary).to.include('comment "Drop if no policies passed packet"');
    expect(calico?.remediation).to.include("kubectl get networkpolicy");
    for (const f of drops)
      expect(f.remediation ?? "").to.not.match(/iptables(-legacy)? -t \w+ -D /);
    // The unmatched kube-proxy REJECT ("has no endpoints") is not reported: it has matched nothing.
    expect(drops.some((f) => f.evidence?.owner === "kube-proxy")).to.equal(false);
  });

  it("pod MTU 100 vs peer 1500 -> MtuMismatch; a SYN-only probe passes, a request with payload times out", async () => {
    const port = 8080;
    children.push(await startEchoServer(pair!, port, 30));
    await setPodMtu(pair!, 100);
    const probe = await synProbe(pair!, port, 3);
    expect(probe.synAcks, probe.output).to.equal(3);
    const request = await requestFromPeer(pair!, port, 200, 3_000);
    expect(request.connected, request.output).to.equal(true);
    expect(request.ok, request.output).to.equal(false);
    expect(request.output).to.match(/timeout/);

    const { findings } = await runCheck(pod!.pid!);
    const mismatch = byCode(findings, "MtuMismatch")[0];
    expect(mismatch?.severity).to.equal("Critical");
    expect(mismatch?.evidence).to.include({ podMtu: 100, peerMtu: 1500, peer: pair!.peerIf });
    expect(mismatch?.remediation).to.include("ip link set dev eth0 mtu 1500");
    expect(byCode(findings, "MtuTooSmall")[0]?.severity).to.equal("Critical");
    // The oversized request segments were dropped on the pod's receive side.
    expect(byCode(findings, "InterfaceDrops")).to.have.length(1);
  });

  (netemGap ? it.skip : it)(
    `netem loss 30% on eth0 (the seed's fault) -> QdiscLoss with its drops${skippedBecause(netemGap)}`,
    async () => {
      await mustRun("ip", [
        "netns",
        "exec",
        pair!.pod,
        "tc",
        "qdisc",
        "add",
        "dev",
        "eth0",
        "root",
        "netem",
        "loss",
        "30%",
      ]);
      await pingPod(pair!, 30);
      const { findings } = await runCheck(pod!.pid!);
      const f = byCode(findings, "QdiscLoss")[0];
      expect(f?.severity, JSON.stringify(findings.map((x) => x.code))).to.equal("Critical");
      expect(f?.evidence).to.deep.include({ dev: "eth0", kind: "netem" });
      expect((f!.evidence as { stats: { drops: number } }).stats.drops).to.be.greaterThan(0);
    },
  );

  it("a tbf qdisc overrun -> QdiscDrops", async () => {
    await addSlowTbf(pair!, "100kbit");
    await udpBurstFromPod(pair!, 300, 1400);
    const { data, findings } = await runCheck(pod!.pid!);
    const tbf = data.qdiscs.find((q) => q.kind === "tbf");
    expect(tbf?.stats.drops).to.be.greaterThan(0);
    const f = byCode(findings, "QdiscDrops")[0];
    expect(f?.severity).to.equal("Warning");
    expect(f?.summary).to.include("tbf");
    expect(f?.remediation).to.include("tc qdisc del dev eth0 root");
    // Qdisc drops are not interface drops.
    expect(byCode(findings, "InterfaceDrops")).to.deep.equal([]);
  });

  it("handshakes to a listening port that never complete -> TcpSynRetransmits", async () => {
    const port = 8081;
    children.push(await startEchoServer(pair!, port, 30));
    await dropHandshakeAcksTo(pair!, port);
    // Handshakes that cannot complete, spread over the sample so retransmits land inside it.
    const clients = Promise.all([
      requestFromPeer(pair!, port, 10, 1_500),
      new Promise((r) => setTimeout(r, 700)).then(() => requestFromPeer(pair!, port, 10, 1_500)),
    ]);
    const { data, findings } = await runCheck(pod!.pid!, 2);
    const results = await clients;
    // The client sees a SYN-ACK ("connected") but its ACK and data never reach the server.
    expect(results.every((r) => !r.ok)).to.equal(true);
    expect(data.tcpDeltas["TcpExt.TCPSynRetrans"]).to.be.greaterThan(0);
    const f = byCode(findings, "TcpSynRetransmits")[0];
    expect(f, JSON.stringify(findings.map((x) => x.code))).to.not.equal(undefined);
    expect(["Warning", "Critical"]).to.include(f?.severity);
    // The rule that caused it is reported too.
    expect(
      byCode(findings, "IptablesDropRule")
        .map((x) => x.summary)
        .join(),
    ).to.include("INPUT");
  });

  it("finds a veth peer living in the host namespace (MTU 9000 vs 1500), not a host device that reuses its ifindex", async () => {
    const made = await createPodWithHostVeth(undefined, 9000);
    let sleeper: ChildProcess | undefined;
    try {
      sleeper = await startPodProcess({ ...pair!, pod: made.pod }, 60);
      const { data, findings } = await runCheck(sleeper.pid!, 0);
      expect(data.peers).to.deep.equal([
        {
          podInterface: "eth0",
          podMtu: 1500,
          peerIfindex: data.peers[0]?.peerIfindex,
          peerName: made.hostIf,
          peerMtu: 9000,
          location: "host",
        },
      ]);
      expect(byCode(findings, "MtuMismatch")[0]?.summary).to.include("in the host");
    } finally {
      stopProcess(sleeper);
      await destroyPodWithHostVeth(made);
    }
  });

  it("a target whose namespace cannot be read fails with a reason, not a crash", async () => {
    const err = await networkCheck.collect(hostCheckContext(2 ** 22 + 7, 1)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/cannot read its network namespace/);
  });
});
