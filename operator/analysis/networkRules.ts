import type { Finding, Severity } from "../api/v1alpha1/diagnosis.js";
import {
  type FirewallRule,
  type InterfaceInfo,
  type NetemConfig,
  type NetworkEvidence,
  qdiscKey,
} from "../report/evidence/networkEvidence.js";
import { type FirewallOwner, firewallOwner } from "./firewallOwner.js";

/** Thresholds; exported so tests and callers can see what "too much" means. */
export const NETWORK_THRESHOLDS = {
  /** Below the IPv4 minimum datagram every host must accept (RFC 791). */
  mtuCritical: 576,
  /** IPv6 minimum link MTU (RFC 8200): anything lower breaks IPv6. */
  mtuWarning: 1280,
  /** Retransmitted / sent segments during the sample. */
  retransRatioWarning: 0.02,
  retransRatioCritical: 0.1,
  /** Ignore a handful of retransmits on an almost idle socket set. */
  retransMinSegments: 5,
  conntrackWarning: 0.75,
  conntrackCritical: 0.9,
  /** Qdisc drops since the qdisc was created, relative to packets offered. */
  qdiscDropRatioWarning: 0.01,
  qdiscMinDrops: 10,
} as const;

const F = (
  severity: Severity,
  code: string,
  summary: string,
  evidence: Record<string, unknown>,
  remediation?: string,
): Finding => {
  const f: Finding = { check: "network", severity, code, summary, evidence, source: "Collector" };
  if (remediation) f.remediation = remediation;
  return f;
};

/** Prefix that runs a command inside the pod's network namespace from the node. */
function inPodNetns(pid: number, command: readonly string[]): string {
  return ["nsenter", `--net=/proc/${pid}/ns/net`, ...command].map(shellQuote).join(" ");
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function pct(n: number): string {
  return `${Math.round(n * 1000) / 10}%`;
}

const MAX_LISTED = 10;

function describeRule(r: FirewallRule): string {
  const during =
    r.packetsDuringSample !== undefined ? `, ${r.packetsDuringSample} during the sample` : "";
  return `${r.table}/${r.chain} ${r.target} ${r.matchText || "all traffic"} (${r.source}, ${r.packets} packets${during})`;
}

const BUILTIN_LOCAL_CHAINS = new Set(["INPUT", "OUTPUT", "FORWARD"]);

function isRandomDrop(r: FirewallRule): boolean {
  return r.randomProbability !== undefined || /\bstatistic\b.*\bmode random\b/.test(r.matchText);
}

/** DROP/REJECT of all traffic in a built-in chain: every packet that gets there is lost. */
function isUnconditionalDrop(r: FirewallRule): boolean {
  return (
    (r.table === "filter" || r.table === "") &&
    BUILTIN_LOCAL_CHAINS.has(r.chain) &&
    (r.ruleArgs ? r.ruleArgs.indexOf("-j") === 0 : r.matchText.trim() === "")
  );
}

function ruleEvidence(r: FirewallRule, owner?: FirewallOwner) {
  return {
    source: r.source,
    family: r.family,
    table: r.table,
    chain: r.chain,
    target: r.target,
    match: r.matchText,
    probability: r.randomProbability,
    packets: r.packets,
    bytes: r.bytes,
    packetsDuringSample: r.packetsDuringSample,
    owner: owner?.id,
  };
}

function firewallFindings(d: NetworkEvidence): Finding[] {
  const out: Finding[] = [];
  const owned = new Map<string, { owner: FirewallOwner; rules: FirewallRule[] }>();
  const unowned: FirewallRule[] = [];
  for (const r of d.firewall.rules) {
    const owner = firewallOwner(r);
    if (!owner) {
      unowned.push(r);
      continue;
    }
    if (r.packets === 0 && !isRandomDrop(r)) continue;
    const key = `${owner.id}\0${owner.meaning}`;
    const group = owned.get(key) ?? { owner, rules: [] };
    group.rules.push(r);
    owned.set(key, group);
  }

  // A rule that drops a share of all traffic, or all of it, is a fault whatever its counters say.
  const random = unowned.filter(isRandomDrop);
  const blocking = unowned.filter((r) => !random.includes(r) && isUnconditionalDrop(r));
  const hit = unowned.filter((r) => r.packets > 0 && !random.includes(r) && !blocking.includes(r));
  const moving = hit.filter((r) => (r.packetsDuringSample ?? 0) > 0);
  const quiet = hit.filter((r) => !moving.includes(r));
  const group = (rules: FirewallRule[], severity: Severity, lead: string) => {
    if (rules.length === 0) return;
    const chains = [...new Set(rules.map((r) => r.chain))];
    const listed = rules.slice(0, MAX_LISTED);
    out.push(
      F(
        severity,
        "IptablesDropRule",
        `${lead} in ${chains.join(" and ")}: ${listed.map(describeRule).join("; ")}${
          rules.length > MAX_LISTED ? `; and ${rules.length - MAX_LISTED} more` : ""
        }`,
        { chains, rules: listed.map((r) => ruleEvidence(r)), ruleCount: rules.length },
        `No controller owns ${rules.length > 1 ? "these rules" : "this rule"}: remove ${rules.length > 1 ? "them" : "it"} inside the pod's network namespace, and find who added ${rules.length > 1 ? "them" : "it"} (a chaos experiment, a debugging session, a startup script): ${listed
          .map((r) => inPodNetns(d.pid, r.deleteCommand))
          .join(" ; ")}`,
      ),
    );
  };
  const notYet = random.filter((r) => r.packets === 0).length;
  const shares = [...new Set(random.map((r) => r.randomProbability))]
    .filter((p): p is number => p !== undefined)
    .map((p) => `${Math.round(p * 1000) / 10}%`);
  group(
    random,
    "Critical",
    `${random.length} firewall rule(s) drop ${shares.length > 0 ? shares.join(" / ") : "a share"} of the packets at random${
      notYet === 0
        ? ""
        : notYet === random.length
          ? " (none has matched a packet yet: no traffic has reached them; they drop their share as soon as it does)"
          : ` (${notYet} have not matched a packet yet; they drop their share as soon as traffic reaches them)`
    }`,
  );
  group(
    blocking,
    "Critical",
    `${blocking.length} firewall rule(s) drop or reject all traffic${
      blocking.every((r) => r.packets === 0) ? " (no packet has reached them yet)" : ""
    }`,
  );
  group(
    moving,
    "Warning",
    `${moving.length} DROP/REJECT rule(s) dropped packets during the sample`,
  );
  group(
    quiet,
    "Info",
    `${quiet.length} DROP/REJECT rule(s) dropped packets earlier, none during the sample`,
  );

  for (const { owner, rules } of owned.values()) {
    const during = rules.reduce((a, r) => a + (r.packetsDuringSample ?? 0), 0);
    const total = rules.reduce((a, r) => a + r.packets, 0);
    const listed = rules.slice(0, MAX_LISTED);
    out.push(
      F(
        rules.some(isRandomDrop) ? "Critical" : during > 0 ? "Warning" : "Info",
        "IptablesDropRule",
        `${owner.name} dropped ${total} packets${during > 0 ? ` (${during} during the sample)` : ", none during the sample"}: ${owner.meaning}. ${listed.map(describeRule).join("; ")}${
          rules.length > MAX_LISTED ? `; and ${rules.length - MAX_LISTED} more` : ""
        }`,
        {
          owner: owner.id,
          ownerName: owner.name,
          meaning: owner.meaning,
          chains: [...new Set(rules.map((r) => r.chain))],
          rules: listed.map((r) => ruleEvidence(r, owner)),
          ruleCount: rules.length,
        },
        owner.advice,
      ),
    );
  }

  const policies = d.firewall.policies.filter((p) => p.policy === "DROP" && p.packets > 0);
  if (policies.length > 0) {
    out.push(
      F(
        "Info",
        "IptablesDropPolicy",
        `Chain policy DROP with packets: ${policies.map((p) => `${p.table}/${p.chain} ${p.packets} packets (${p.source})`).join("; ")}`,
        { policies },
      ),
    );
  }
  if (out.length === 0 && d.sources.iptables?.status === "ok") {
    out.push(
      F(
        "Info",
        "FirewallClean",
        "No DROP/REJECT firewall rule in the pod's namespace has matched a packet, and none drops traffic at random or unconditionally",
        {
          dropRejectRules: d.firewall.rules.length,
        },
      ),
    );
  }
  return out;
}

function qdiscDelete(q: NetworkEvidence["qdiscs"][number]): string[] {
  return q.root
    ? ["tc", "qdisc", "del", "dev", q.dev, "root"]
    : ["tc", "qdisc", "del", "dev", q.dev, "parent", q.parent ?? "", "handle", q.handle];
}

/** "ms" with at most 3 decimals. */
function msText(ms: number): string {
  return ms >= 1 ? `${Math.round(ms * 1000) / 1000}ms` : `${Math.round(ms * 1000)}us`;
}

/** netem's settings as tc would print them, for a person: "delay 100ms 10ms, loss gemodel p 5% r 95% ...". */
export function netemText(n: NetemConfig): string[] {
  const parts: string[] = [];
  if (n.delayMs)
    parts.push(`delay ${msText(n.delayMs)}${n.jitterMs ? ` ± ${msText(n.jitterMs)}` : ""}`);
  if (n.lossModel === "gemodel" && n.lossGemodel) {
    const g = n.lossGemodel;
    parts.push(
      `loss gemodel p ${g.p}% r ${g.r}% 1-h ${g.oneMinusH}% 1-k ${g.oneMinusK}% (Gilbert-Elliott bursts)`,
    );
  } else if (n.lossModel === "state" && n.lossState) {
    const t = n.lossState;
    parts.push(
      `loss state p13 ${t.p13}% p31 ${t.p31}% p32 ${t.p32}% p23 ${t.p23}% p14 ${t.p14}% (4-state Markov bursts)`,
    );
  } else if (n.lossPercent) parts.push(`loss ${n.lossPercent}%`);
  if (n.corruptPercent) parts.push(`corrupt ${n.corruptPercent}%`);
  if (n.duplicatePercent) parts.push(`duplicate ${n.duplicatePercent}%`);
  if (n.reorderPercent) parts.push(`reorder ${n.reorderPercent}%`);
  if (n.rateBytesPerSecond) parts.push(`rate ${Math.round((n.rateBytesPerSecond * 8) / 1000)}kbit`);
  const s = n.slot;
  if (s) {
    const when =
      s.distributionDelayMs !== undefined
        ? `distribution ${msText(s.distributionDelayMs)}${s.distributionJitterMs ? ` ± ${msText(s.distributionJitterMs)}` : ""}`
        : `${s.minDelayMs !== undefined ? msText(s.minDelayMs) : "?"}${s.maxDelayMs !== undefined ? `-${msText(s.maxDelayMs)}` : ""}`;
    parts.push(
      `slot ${when}${s.packets ? ` packets ${s.packets}` : ""}${s.bytes ? ` bytes ${s.bytes}` : ""} (packets held and sent in bursts)`,
    );
  }
  return parts;
}

const MULTIQUEUE_ROOTS = new Set(["mq", "mqprio", "taprio", "multiq"]);

function qdiscFindings(d: NetworkEvidence): Finding[] {
  const out: Finding[] = [];
  for (const q of d.qdiscs) {
    const where = `${q.kind} ${q.handle}${q.parent ? ` (parent ${q.parent})` : ""} on ${q.dev}`;
    const del = inPodNetns(d.pid, qdiscDelete(q));
    const n = q.netem;
    const expectedLoss = n ? (n.expectedLossPercent ?? n.lossPercent ?? 0) : 0;
    const hasLoss = !!n && (n.lossModel !== undefined || (n.lossPercent ?? 0) > 0);
    if (n) {
      const lossy = expectedLoss + (n.corruptPercent ?? 0);
      const impair = netemText(n);
      const evidence = {
        dev: q.dev,
        kind: q.kind,
        handle: q.handle,
        parent: q.parent,
        netem: n,
        stats: q.stats,
      };
      if (hasLoss || (n.corruptPercent ?? 0) > 0) {
        const lossText =
          n.lossModel === "gemodel" || n.lossModel === "state"
            ? `to lose packets in bursts (${n.lossModel === "gemodel" ? "Gilbert-Elliott" : "4-state"} model${
                n.expectedLossPercent !== undefined
                  ? `, about ${Math.round(n.expectedLossPercent * 100) / 100}% of packets in the long run`
                  : ""
              })`
            : `to lose ${n.lossPercent ?? 0}% of packets`;
        out.push(
          F(
            lossy >= 1 || (hasLoss && n.expectedLossPercent === undefined) ? "Critical" : "Warning",
            "QdiscLoss",
            `qdisc ${where} is configured ${lossText}${
              n.corruptPercent ? ` and to corrupt ${n.corruptPercent}%` : ""
            } (${impair.join(", ")}); it dropped ${q.stats.drops} of ${q.stats.packets + q.stats.drops} packets`,
            evidence,
            `Remove the fault-injection qdisc (a chaos experiment or a test left it): ${del}`,
          ),
        );
      } else if (impair.length > 0) {
        out.push(
          F(
            "Warning",
            "QdiscImpairment",
            `qdisc ${where} emulates a bad network (${impair.join(", ")})`,
            evidence,
            `Remove the fault-injection qdisc (a chaos experiment or a test left it): ${del}`,
          ),
        );
      }
    }
    // An mq root's counters are the sum of its per-queue children: count the drops once.
    if (
      MULTIQUEUE_ROOTS.has(q.kind) &&
      d.qdiscs.some((c) => c !== q && c.dev === q.dev && c.parent !== undefined && !c.root)
    )
      continue;
    const delta = d.qdiscDeltas[qdiscKey(q)];
    const offered = q.stats.packets + q.stats.drops;
    const ratio = offered > 0 ? q.stats.drops / offered : 0;
    const movingDrops = (delta?.drops ?? 0) > 0;
    const heavy =
      q.stats.drops >= NETWORK_THRESHOLDS.qdiscMinDrops &&
      ratio >= NETWORK_THRESHOLDS.qdiscDropRatioWarning;
    // netem's own configured loss is already QdiscLoss; its drops are the symptom.
    if (q.stats.drops > 0 && !hasLoss) {
      const rate = q.tbf
        ? ` (tbf rate ${Math.round((q.tbf.rateBytesPerSecond * 8) / 1000)} kbit/s)`
        : "";
      out.push(
        F(
          movingDrops || heavy ? "Warning" : "Info",
          "QdiscDrops",
          `qdisc ${where}${rate} dropped ${q.stats.drops} of ${offered} packets (${pct(ratio)}), ${
            delta?.drops ?? 0
          } during the sample, overlimits ${q.stats.overlimits}; qdisc drops do not show in the interface counters`,
          {
            dev: q.dev,
            kind: q.kind,
            handle: q.handle,
            stats: q.stats,
            dropsDuringSample: delta?.drops,
            tbf: q.tbf,
          },
          q.tbf
            ? `The shaper is too slow or its queue too short for the traffic: for example double the rate and lengthen the queue (${inPodNetns(
                d.pid,
                [
                  "tc",
                  "qdisc",
                  "change",
                  "dev",
                  q.dev,
                  ...(q.root ? ["root"] : ["parent", q.parent ?? "", "handle", q.handle]),
                  "tbf",
                  "rate",
                  `${Math.round((q.tbf.rateBytesPerSecond * 8 * 2) / 1000)}kbit`,
                  "burst",
                  String(Math.max(2 * (q.tbf.burstBytes ?? 0), 16 * 1024)),
                  "latency",
                  "400ms",
                ],
              )}) or remove it: ${del}`
            : `Check the qdisc's limits, or remove it: ${del}`,
        ),
      );
    }
  }
  const clean = out.every((f) => f.severity === "Info");
  if (clean && d.sources.qdiscs?.status === "ok") {
    out.push(
      F("Info", "QdiscsClean", "No qdisc is configured to lose packets or is dropping them now", {
        qdiscs: d.qdiscs.map((q) => `${q.kind} ${q.handle} on ${q.dev}`),
      }),
    );
  }
  return out;
}

function isPhysicalish(i: InterfaceInfo): boolean {
  return !i.flags.includes("LOOPBACK") && i.name !== "lo";
}

function interfaceFindings(d: NetworkEvidence): Finding[] {
  const out: Finding[] = [];
  for (const i of d.interfaces.filter(isPhysicalish)) {
    const bad = i.rx.dropped + i.rx.errors + i.rx.overruns + i.tx.dropped + i.tx.errors;
    if (bad === 0) continue;
    const delta = d.interfaceDeltas[i.name];
    const moving = delta
      ? delta.rx.dropped + delta.rx.errors + delta.rx.overruns + delta.tx.dropped + delta.tx.errors
      : 0;
    out.push(
      F(
        moving > 0 ? "Warning" : "Info",
        "InterfaceDrops",
        `${i.name}: RX dropped ${i.rx.dropped} errors ${i.rx.errors} overruns ${i.rx.overruns}, TX dropped ${i.tx.dropped} errors ${i.tx.errors} (${moving} during the sample, ${i.rx.packets} RX / ${i.tx.packets} TX packets)`,
        { interface: i.name, rx: i.rx, tx: i.tx, duringSample: delta },
        `Look at the driver's drop reasons (${inPodNetns(d.pid, ["ip", "-s", "-s", "link", "show", "dev", i.name])}, ethtool -S on the host peer); on veth, RX drops are usually packets larger than the MTU or a full backlog (net.core.netdev_max_backlog)`,
      ),
    );
  }
  if (out.length === 0 && d.sources.interfaces?.status === "ok") {
    out.push(
      F("Info", "InterfacesClean", "No drops, errors or overruns on the pod's interfaces", {
        interfaces: d.interfaces.map((i) => ({ name: i.name, mtu: i.mtu, rx: i.rx, tx: i.tx })),
      }),
    );
  }
  return out;
}

function mtuFindings(d: NetworkEvidence): Finding[] {
  const out: Finding[] = [];
  const fix = (dev: string, mtu: number) =>
    inPodNetns(d.pid, ["ip", "link", "set", "dev", dev, "mtu", String(mtu)]);
  for (const p of d.peers) {
    if (p.podMtu === p.peerMtu || p.podMtu === 0) continue;
    const where = p.location === "host" ? "the host" : `netns ${p.location.netns}`;
    const smaller = p.podMtu < p.peerMtu;
    out.push(
      F(
        smaller ? "Critical" : "Warning",
        "MtuMismatch",
        `${p.podInterface} MTU ${p.podMtu} differs from its peer ${p.peerName} MTU ${p.peerMtu} in ${where}: ${
          smaller
            ? "packets larger than the pod MTU are dropped silently (handshakes pass, requests with payload stall)"
            : "the pod sends packets its peer drops"
        }`,
        {
          interface: p.podInterface,
          podMtu: p.podMtu,
          peer: p.peerName,
          peerMtu: p.peerMtu,
          location: p.location,
        },
        `Set the same MTU on both ends (fix the CNI config so it sticks): ${fix(p.podInterface, p.peerMtu)}`,
      ),
    );
  }
  for (const i of d.interfaces.filter(isPhysicalish)) {
    if (i.mtu === 0 || i.mtu >= NETWORK_THRESHOLDS.mtuWarning) continue;
    const peer = d.peers.find((p) => p.podInterface === i.name);
    const target = peer && peer.peerMtu >= NETWORK_THRESHOLDS.mtuWarning ? peer.peerMtu : 1500;
    out.push(
      F(
        i.mtu < NETWORK_THRESHOLDS.mtuCritical ? "Critical" : "Warning",
        "MtuTooSmall",
        `${i.name} MTU ${i.mtu} is below ${
          i.mtu < NETWORK_THRESHOLDS.mtuCritical
            ? "the IPv4 minimum of 576"
            : "the IPv6 minimum of 1280"
        } (Ethernet default 1500)`,
        { interface: i.name, mtu: i.mtu },
        `Restore the MTU: ${fix(i.name, target)}`,
      ),
    );
  }
  if (out.length === 0 && d.peers.length > 0) {
    out.push(
      F("Info", "MtuConsistent", "Pod interfaces and their host-side peers agree on the MTU", {
        peers: d.peers.map((p) => ({
          pod: `${p.podInterface}:${p.podMtu}`,
          peer: `${p.peerName}:${p.peerMtu}`,
        })),
      }),
    );
  }
  return out;
}

function tcpFindings(d: NetworkEvidence): Finding[] {
  const out: Finding[] = [];
  const abs = (s: string, n: string) => d.snmp[s]?.[n] ?? 0;
  const delta = (k: string) => d.tcpDeltas[k] ?? 0;
  const retrans = delta("Tcp.RetransSegs");
  const sent = delta("Tcp.OutSegs");
  const ratio = sent > 0 ? retrans / sent : 0;
  const absolute = {
    RetransSegs: abs("Tcp", "RetransSegs"),
    OutSegs: abs("Tcp", "OutSegs"),
    AttemptFails: abs("Tcp", "AttemptFails"),
    EstabResets: abs("Tcp", "EstabResets"),
    TCPSynRetrans: abs("TcpExt", "TCPSynRetrans"),
    EmbryonicRsts: abs("TcpExt", "EmbryonicRsts"),
    TCPTimeouts: abs("TcpExt", "TCPTimeouts"),
    ListenOverflows: abs("TcpExt", "ListenOverflows"),
    ListenDrops: abs("TcpExt", "ListenDrops"),
  };
  const evidence = {
    sampleSeconds: d.sampleSeconds,
    duringSample: d.tcpDeltas,
    ratesPerSecond: d.tcpRates,
    sinceNamespaceCreation: absolute,
  };
  if (
    retrans >= NETWORK_THRESHOLDS.retransMinSegments &&
    ratio >= NETWORK_THRESHOLDS.retransRatioWarning
  ) {
    out.push(
      F(
        ratio >= NETWORK_THRESHOLDS.retransRatioCritical ? "Critical" : "Warning",
        "TcpRetransmits",
        `${retrans} of ${sent} TCP segments were retransmitted during ${d.sampleSeconds}s (${pct(ratio)}; ${d.tcpRates["Tcp.RetransSegs"]}/s), timeouts ${delta("TcpExt.TCPTimeouts")}`,
        evidence,
        "Packets are lost on the path: see the firewall, qdisc, interface and MTU findings for the cause",
      ),
    );
  }
  const syn = delta("TcpExt.TCPSynRetrans");
  if (syn > 0) {
    out.push(
      F(
        syn >= 3 ? "Critical" : "Warning",
        "TcpSynRetransmits",
        `${syn} SYN/SYN-ACK retransmissions during ${d.sampleSeconds}s (${d.tcpRates["TcpExt.TCPSynRetrans"]}/s): handshakes are failing; failed attempts ${delta("Tcp.AttemptFails")}, embryonic resets ${delta("TcpExt.EmbryonicRsts")}, listen drops ${delta("TcpExt.ListenDrops")}`,
        evidence,
        "Handshake packets are being lost: look for DROP rules on SYN/SYN-ACK, a lossy qdisc, a full accept queue (ListenOverflows: raise the backlog / somaxconn) or a full conntrack table",
      ),
    );
  }
  const listen = delta("TcpExt.ListenOverflows") + delta("TcpExt.ListenDrops");
  if (listen > 0) {
    out.push(
      F(
        "Warning",
        "TcpListenDrops",
        `${delta("TcpExt.ListenOverflows")} accept-queue overflows and ${delta("TcpExt.ListenDrops")} listen drops during the sample`,
        evidence,
        "The application accepts connections too slowly: raise its listen backlog and net.core.somaxconn, or add workers",
      ),
    );
  }
  if (out.length === 0 && d.sources.tcpCounters?.status === "ok") {
    const totalSyn = absolute.TCPSynRetrans;
    out.push(
      F(
        "Info",
        "TcpHealthy",
        `${
          d.sampleSeconds > 0
            ? `No TCP retransmission or handshake trouble during the ${d.sampleSeconds}s sample`
            : "No rate sample taken (--sample-seconds 0)"
        } (since the namespace was created: ${absolute.RetransSegs} retransmitted of ${absolute.OutSegs} segments, ${totalSyn} SYN retransmits)`,
        evidence,
      ),
    );
  }
  return out;
}

function conntrackFindings(d: NetworkEvidence): Finding[] {
  const c = d.conntrack;
  if (!c) return [];
  const out: Finding[] = [];
  const sum = (k: string) => c.perCpu.reduce((a, s) => a + (s.counters[k] ?? 0), 0);
  const drops = {
    drop: sum("drop"),
    early_drop: sum("early_drop"),
    insert_failed: sum("insert_failed"),
  };
  const evidence = { count: c.count, max: c.max, ...drops, perCpu: c.perCpu };
  if (c.count !== undefined && c.max !== undefined && c.max > 0) {
    const fill = c.count / c.max;
    if (fill >= NETWORK_THRESHOLDS.conntrackWarning) {
      out.push(
        F(
          fill >= NETWORK_THRESHOLDS.conntrackCritical ? "Critical" : "Warning",
          "ConntrackNearFull",
          `conntrack table ${c.count}/${c.max} (${pct(fill)}) full: new flows are dropped when it fills`,
          evidence,
          `Raise the limit on the node (sysctl -w net.netfilter.nf_conntrack_max=${c.max * 2}) and shorten timeouts, or find the flow leak (conntrack -L)`,
        ),
      );
    } else {
      out.push(
        F(
          "Info",
          "ConntrackOk",
          `conntrack table ${c.count}/${c.max} (${pct(fill)}) is fine`,
          evidence,
        ),
      );
    }
  }
  if (drops.drop + drops.early_drop + drops.insert_failed > 0) {
    out.push(
      F(
        "Warning",
        "ConntrackDrops",
        `conntrack dropped flows: drop ${drops.drop}, early_drop ${drops.early_drop}, insert_failed ${drops.insert_failed} (summed over CPUs)`,
        evidence,
        "insert_failed points at a race on parallel UDP/DNS flows (use TCP for DNS or single-request-reopen); drop/early_drop at a full table",
      ),
    );
  }
  return out;
}

/** Pure rules: network evidence -> findings. A healthy namespace yields only Info findings. */
export function analyzeNetwork(d: NetworkEvidence): Finding[] {
  return [
    ...firewallFindings(d),
    ...qdiscFindings(d),
    ...mtuFindings(d),
    ...interfaceFindings(d),
    ...tcpFindings(d),
    ...conntrackFindings(d),
  ];
}
