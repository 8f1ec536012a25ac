/** Raw evidence of the `network` check, gathered inside the target's network namespace. */

export interface LinkCounters {
  bytes: number;
  packets: number;
  errors: number;
  dropped: number;
  /** RX: over_errors (ring/FIFO overruns); TX: carrier errors. */
  overruns: number;
  /** RX only: missed (`netstat -i` RX-OVR comes from fifo/over errors). */
  missed?: number;
}

export interface InterfaceInfo {
  ifindex: number;
  name: string;
  mtu: number;
  operstate: string;
  flags: string[];
  qdisc?: string;
  /** Device kind from `ip -d` linkinfo (veth, bridge...), when known. */
  kind?: string;
  /** ifindex of the peer (iflink) for veth and other paired links. */
  linkIndex?: number;
  /** Set when the peer lives in another network namespace. */
  linkNetnsId?: number;
  rx: LinkCounters;
  tx: LinkCounters;
}

/** The other end of a pod-side veth, as seen from where it lives. */
export interface PeerLink {
  podInterface: string;
  podMtu: number;
  peerIfindex: number;
  peerName: string;
  peerMtu: number;
  /** "host" when found in the collector's own namespace, else the named netns it was found in. */
  location: "host" | { netns: string };
}

export interface QdiscStats {
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  backlog: number;
  qlen: number;
}

/** netem config in human units: percentages 0-100, times in milliseconds. */
export interface NetemConfig {
  limit?: number;
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  duplicatePercent?: number;
  reorderPercent?: number;
  corruptPercent?: number;
  rateBytesPerSecond?: number;
  /** How loss is drawn: independent per packet, or a Markov model that loses in bursts. */
  lossModel?: "random" | "state" | "gemodel";
  /** `loss state`: the 4-state Markov model's transition probabilities, in percent. */
  lossState?: { p13: number; p31: number; p32: number; p23: number; p14: number };
  /** `loss gemodel`: Gilbert-Elliott p (good->bad), r (bad->good), 1-h and 1-k (loss in bad / good), percent. */
  lossGemodel?: { p: number; r: number; oneMinusH: number; oneMinusK: number };
  /** Long-run share of packets lost, percent: lossPercent, or the Markov model's stationary loss. */
  expectedLossPercent?: number;
  /** `slot`: packets leave in bursts every min..max (or distribution delay ± jitter). */
  slot?: {
    minDelayMs?: number;
    maxDelayMs?: number;
    distributionDelayMs?: number;
    distributionJitterMs?: number;
    packets?: number;
    bytes?: number;
  };
}

export interface TbfConfig {
  rateBytesPerSecond: number;
  burstBytes?: number;
  latencyUs?: number;
  limitBytes?: number;
}

export interface QdiscInfo {
  dev: string;
  kind: string;
  handle: string;
  root: boolean;
  parent?: string;
  /** Options as tc printed them (JSON) or the config text after the handle (text fallback). */
  options: Record<string, unknown> | string;
  netem?: NetemConfig;
  tbf?: TbfConfig;
  stats: QdiscStats;
}

/** `/proc/net/snmp` and `/proc/net/netstat`: section ("Tcp", "TcpExt") -> counter -> value. */
export type CounterTable = Record<string, Record<string, number>>;

export type FirewallSource = "iptables-nft" | "iptables-legacy" | "nft";

export interface FirewallRule {
  source: FirewallSource;
  /** ip, ip6, inet... (iptables-save rules are "ip"). */
  family: string;
  table: string;
  chain: string;
  /** 0-based position among the chain's rules, used to match iptables-nft rules in nft output. */
  index: number;
  /** DROP or REJECT (nft: "drop" / "reject" are upper-cased). */
  target: "DROP" | "REJECT";
  packets: number;
  bytes: number;
  /** iptables -nvL style match text, e.g. "statistic mode random probability 0.29999999981". */
  matchText: string;
  /** Rule arguments after `-A CHAIN` (iptables) for reconstructing the delete command. */
  ruleArgs?: string[];
  /** nft rule handle. */
  handle?: number;
  /** Set for `-m statistic --mode random`: the drop probability (0..1). */
  randomProbability?: number;
  /** The command (argument array) that removes the rule. */
  deleteCommand: string[];
  /** Packets counted during the sample interval (second snapshot minus first), when sampled twice. */
  packetsDuringSample?: number;
}

export interface ChainPolicy {
  source: FirewallSource;
  table: string;
  chain: string;
  policy: string;
  packets: number;
  bytes: number;
}

export interface ConntrackCpuStats {
  cpu: number;
  /** Every key=value from `conntrack -S` (or the hex columns of /proc/net/stat/nf_conntrack). */
  counters: Record<string, number>;
}

export interface ConntrackInfo {
  count?: number;
  max?: number;
  perCpu: ConntrackCpuStats[];
}

/** One source's outcome: a missing tool or file degrades that section only. */
export interface SourceStatus {
  status: "ok" | "unavailable" | "error";
  reason?: string;
}

export interface NetworkEvidence {
  /** The process whose network namespace was inspected. */
  pid: number;
  /** Its `ns/net` link, e.g. "net:[4026532177]". */
  netns: string;
  /** Namespaces of the target's processes when they were not all in one. */
  netnsCandidates: { netns: string; pids: number }[];
  /** Seconds between the two counter snapshots. */
  sampleSeconds: number;
  interfaces: InterfaceInfo[];
  /** Per-interface counter growth during the sample, keyed by interface name. */
  interfaceDeltas: Record<string, { rx: LinkCounters; tx: LinkCounters }>;
  peers: PeerLink[];
  qdiscs: QdiscInfo[];
  /** Per-qdisc growth during the sample, keyed by `${dev} ${handle}`. */
  qdiscDeltas: Record<string, QdiscStats>;
  /** Absolute counters at the second snapshot. */
  snmp: CounterTable;
  /** Per-second rates over the sample for the counters of interest, keyed "Section.Name". */
  tcpRates: Record<string, number>;
  /** Growth over the sample for the same counters, keyed "Section.Name". */
  tcpDeltas: Record<string, number>;
  firewall: { rules: FirewallRule[]; policies: ChainPolicy[] };
  conntrack?: ConntrackInfo;
  sources: Record<string, SourceStatus>;
}

/** The key of a qdisc in NetworkEvidence.qdiscDeltas: `${dev} ${handle}`, plus the parent for non-root qdiscs. */
export function qdiscKey(q: Pick<QdiscInfo, "dev" | "handle" | "parent">): string {
  // Per-queue children of an mq root all have handle "0:": the parent tells them apart.
  return q.parent === undefined ? `${q.dev} ${q.handle}` : `${q.dev} ${q.handle} ${q.parent}`;
}
