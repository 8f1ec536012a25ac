import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import type {
  ChainPolicy,
  ConntrackInfo,
  CounterTable,
  FirewallRule,
  InterfaceInfo,
  NetworkEvidence,
  PeerLink,
  QdiscInfo,
  SourceStatus,
} from "../../report/evidence/networkEvidence.js";
import type { CheckContext } from "../check.js";
import { ToolUnavailableError } from "../commandRunner.js";
import { readBoundedText } from "../readTextFile.js";
import { chooseTargetNetns, type NetnsChoice } from "./chooseTargetNetns.js";
import { counterDeltas, interfaceDeltas, qdiscDeltas } from "./counterDeltas.js";
import { dedupeFirewallRules, withRuleDeltas } from "./dedupeFirewallRules.js";
import { type CandidateLink, findVethPeer } from "./findVethPeer.js";
import { hostOutput, NetnsRunner } from "./netnsRunner.js";
import {
  parseConntrackStats,
  parseProcNetStatConntrack,
  parseSingleInteger,
} from "./parseConntrackStats.js";
import { parseIpLinkJson } from "./parseIpLinkJson.js";
import { parseIptablesSave } from "./parseIptablesSave.js";
import { parseNftRulesetJson } from "./parseNftRulesetJson.js";
import { mergeCounterTables, parseProcNetCounters } from "./parseProcNetCounters.js";
import { parseProcNetDev } from "./parseProcNetDev.js";
import { parseTcQdiscJson } from "./parseTcQdiscJson.js";
import { parseTcQdiscText } from "./parseTcQdiscText.js";

interface Snapshot {
  at: Date;
  interfaces?: InterfaceInfo[];
  qdiscs?: QdiscInfo[];
  counters?: CounterTable;
  rules: FirewallRule[];
  policies: ChainPolicy[];
}

type Sources = Record<string, SourceStatus>;

/** Runs one source; a failure is recorded for that source only and yields undefined. */
async function attempt<T>(sources: Sources, name: string, fn: () => Promise<T>) {
  try {
    const value = await fn();
    sources[name] = { status: "ok" };
    return value;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    sources[name] = {
      status: e instanceof ToolUnavailableError || isMissingFile(e) ? "unavailable" : "error",
      reason,
    };
    return undefined;
  }
}

function isMissingFile(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === "ENOENT";
}

class NetworkProbe {
  readonly ns: NetnsRunner;
  readonly procNet: string;

  constructor(
    readonly ctx: CheckContext,
    readonly pid: number,
  ) {
    this.ns = new NetnsRunner(ctx.runner, join(ctx.procRoot, String(pid), "ns", "net"));
    // /proc/<pid>/net/* shows the process' own network namespace, no setns needed.
    this.procNet = join(ctx.procRoot, String(pid), "net");
  }

  async interfaces(): Promise<InterfaceInfo[]> {
    try {
      return parseIpLinkJson(await this.ns.output("ip", ["-j", "-s", "-d", "link", "show"]));
    } catch (e) {
      if (!(e instanceof ToolUnavailableError)) throw e;
      // Without ip: counters from /proc/<pid>/net/dev, MTU from nothing (0 = unknown).
      const dev = parseProcNetDev(await readBoundedText(join(this.procNet, "dev")));
      return dev.map((d, i) => ({
        ifindex: i + 1,
        name: d.name,
        mtu: 0,
        operstate: "UNKNOWN",
        flags: [],
        rx: d.rx,
        tx: d.tx,
      }));
    }
  }

  async qdiscs(): Promise<QdiscInfo[]> {
    const json = await this.ns.output("tc", ["-j", "-s", "qdisc", "show"]).catch((e: unknown) => {
      if (e instanceof ToolUnavailableError) throw e;
      return undefined;
    });
    if (json?.trim().startsWith("[")) return parseTcQdiscJson(json);
    // Old tc without -j support: fall back to the text form.
    return parseTcQdiscText(await this.ns.output("tc", ["-s", "qdisc", "show"]));
  }

  async counters(): Promise<CounterTable> {
    const [snmp, netstat] = await Promise.all([
      readBoundedText(join(this.procNet, "snmp")),
      readBoundedText(join(this.procNet, "netstat")),
    ]);
    return mergeCounterTables(parseProcNetCounters(snmp), parseProcNetCounters(netstat));
  }

  async iptables(tool: "iptables-save" | "iptables-legacy-save") {
    const text = await this.ns.output(tool, ["-c"]);
    return parseIptablesSave(text, {
      fallbackSource: tool === "iptables-save" ? "iptables-nft" : "iptables-legacy",
    });
  }

  async nft() {
    return parseNftRulesetJson(await this.ns.output("nft", ["-j", "list", "ruleset"]));
  }

  async snapshot(sources: Sources): Promise<Snapshot> {
    const [interfaces, qdiscs, counters, ipt, legacy, nft] = await Promise.all([
      attempt(sources, "interfaces", () => this.interfaces()),
      attempt(sources, "qdiscs", () => this.qdiscs()),
      attempt(sources, "tcpCounters", () => this.counters()),
      attempt(sources, "iptables", () => this.iptables("iptables-save")),
      attempt(sources, "iptablesLegacy", () => this.iptables("iptables-legacy-save")),
      attempt(sources, "nft", () => this.nft()),
    ]);
    const rules: FirewallRule[] = [];
    const policies: ChainPolicy[] = [];
    // When iptables-save itself is the legacy build, both commands print the same tables.
    const saves = ipt && legacy && ipt.source === legacy.source ? [legacy] : [ipt, legacy];
    for (const s of saves) {
      if (!s) continue;
      rules.push(...s.rules);
      policies.push(...s.policies);
    }
    if (nft) rules.push(...nft.rules);
    const snap: Snapshot = { at: this.ctx.now(), rules: dedupeFirewallRules(rules), policies };
    if (interfaces) snap.interfaces = interfaces;
    if (qdiscs) snap.qdiscs = qdiscs;
    if (counters) snap.counters = counters;
    return snap;
  }

  async conntrack(): Promise<ConntrackInfo> {
    // No `cat` through nsenter: the per-netns stat file carries the entry count (it is what
    // nf_conntrack_count shows), and nf_conntrack_max is one global value, the same from any netns.
    const [stat, max, perCpu] = await Promise.all([
      readBoundedText(join(this.procNet, "stat", "nf_conntrack")).then(
        parseProcNetStatConntrack,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      ),
      readBoundedText(join(this.ctx.procRoot, "sys", "net", "netfilter", "nf_conntrack_max"))
        .then(parseSingleInteger)
        .catch(() => undefined),
      this.ns
        .output("conntrack", ["-S"])
        .then(parseConntrackStats)
        .catch(() => undefined),
    ]);
    if (stat instanceof Error && perCpu === undefined) throw stat;
    const fromStat = stat instanceof Error ? undefined : stat;
    const info: ConntrackInfo = { perCpu: perCpu ?? fromStat?.perCpu ?? [] };
    if (fromStat?.count !== undefined) info.count = fromStat.count;
    if (max !== undefined) info.max = max;
    return info;
  }

  /** Host-side peers of the pod's veths: a named netns (via nsid) first, else the host's sysfs. */
  async peers(interfaces: readonly InterfaceInfo[]): Promise<PeerLink[]> {
    const paired = interfaces.filter(
      (i) => i.linkIndex !== undefined && i.linkNetnsId !== undefined,
    );
    if (paired.length === 0) return [];
    const names = await this.ns
      .output("ip", ["-j", "netns", "list-id"])
      .then((t) => JSON.parse(t) as { nsid: number; name?: string }[])
      .catch(() => [] as { nsid: number; name?: string }[]);
    let hostLinks: CandidateLink[] | undefined;
    const out: PeerLink[] = [];
    for (const pod of paired) {
      const name = names.find((n) => n.nsid === pod.linkNetnsId)?.name;
      let peer: PeerLink | undefined;
      if (name) {
        const text = await hostOutput(this.ctx.runner, "ip", ["-n", name, "-j", "link", "show"]);
        const links = parseIpLinkJson(text).map((l) => ({
          ifindex: l.ifindex,
          iflink: l.linkIndex,
          name: l.name,
          mtu: l.mtu,
        }));
        peer = findVethPeer(pod, links, { netns: name });
      }
      if (!peer) {
        hostLinks ??= await hostVethsFrom(this.ctx, this.ctx.sysRoot);
        peer = findVethPeer(pod, hostLinks, "host");
      }
      if (peer) out.push(peer);
    }
    return out;
  }
}

/**
 * The host's veths whose peer sits in another namespace. Only those can be a pod's peer: ifindex
 * numbers are per namespace, so an unrelated host device (ifb0, a bridge) can carry the very
 * ifindex/iflink pair a pod interface points at.
 */
async function hostVethsFrom(ctx: CheckContext, sysRoot: string): Promise<CandidateLink[]> {
  try {
    // The host's namespace is pid 1's: the collector does not run in it (no hostNetwork).
    const host = new NetnsRunner(ctx.runner, join(ctx.procRoot, "1", "ns", "net"));
    const text = await host.output("ip", ["-j", "-d", "link", "show"]);
    return parseIpLinkJson(text)
      .filter((l) => l.kind === "veth" && l.linkNetnsId !== undefined)
      .map((l) => ({ ifindex: l.ifindex, iflink: l.linkIndex, name: l.name, mtu: l.mtu }));
  } catch {
    // No ip on the host side: sysfs, minus devices that point at themselves (not one of a pair).
    const links = await readSysClassNet(join(sysRoot, "class", "net"));
    return links.filter((l) => l.iflink !== l.ifindex);
  }
}

async function readSysClassNet(dir: string): Promise<CandidateLink[]> {
  const names = await readdir(dir);
  const read = (n: string, f: string) =>
    readBoundedText(join(dir, n, f)).then((s) => Number(s.trim()));
  return Promise.all(
    names.map(async (name) => {
      const [ifindex, iflink, mtu] = await Promise.all([
        read(name, "ifindex"),
        read(name, "iflink"),
        read(name, "mtu"),
      ]);
      return { name, ifindex, iflink, mtu };
    }),
  );
}

const MAX_PIDS_EXAMINED = 256;

/** Which process' network namespace to enter (see chooseTargetNetns). */
async function targetNetns(ctx: CheckContext): Promise<NetnsChoice> {
  const link = (pid: number | "self") =>
    readlink(join(ctx.procRoot, String(pid), "ns", "net")).catch(() => undefined);
  // A node target inspects the host's own namespace: pid 1's, seen through hostPID.
  if (ctx.target.kind === "node")
    return { pid: 1, netns: (await link(1)) ?? "unknown", candidates: [] };
  const pids = ctx.target.pids.slice(0, MAX_PIDS_EXAMINED);
  if (pids.length === 0) throw new Error("network check needs a target process (--pid)");
  const seen = await Promise.all(pids.map(async (pid) => ({ pid, netns: await link(pid) })));
  const known = seen.filter((p): p is { pid: number; netns: string } => p.netns !== undefined);
  const choice = chooseTargetNetns(known, await link(1));
  // Unreadable links (gone, or no permission): go on with the first pid and let the reads say why.
  return choice ?? { pid: pids[0]!, netns: "unknown", candidates: [] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Gathers the network evidence of the target's netns: two counter snapshots `sampleSeconds`
 * apart (one when it is 0), so rules can judge rates rather than counters since boot.
 */
export async function collectNetwork(ctx: CheckContext): Promise<NetworkEvidence> {
  const choice = await targetNetns(ctx);
  const pid = choice.pid;
  const probe = new NetworkProbe(ctx, pid);
  // Fail fast with a clear reason when the process or its namespace is gone.
  await readBoundedText(join(ctx.procRoot, String(pid), "net", "snmp")).catch((e: unknown) => {
    throw new Error(`process ${pid}: cannot read its network namespace: ${(e as Error).message}`);
  });
  // 0 means "no sampling": one snapshot, counters absolute only, no rates.
  const sampleSeconds = Math.max(0, ctx.options.sampleSeconds);
  const sources: Sources = {};
  let first: Snapshot | undefined;
  if (sampleSeconds > 0) {
    ctx.progress(`network: sampling counters in the netns of pid ${pid} for ${sampleSeconds}s`);
    first = await probe.snapshot({});
    await sleep(sampleSeconds * 1000);
  }
  const second = await probe.snapshot(sources);
  const elapsed = first ? Math.max(0.001, (second.at.getTime() - first.at.getTime()) / 1000) : 0;

  const interfaces = second.interfaces ?? [];
  const [peers, conntrack] = await Promise.all([
    attempt(sources, "peers", () => probe.peers(interfaces)),
    attempt(sources, "conntrack", () => probe.conntrack()),
  ]);
  const tcp =
    first?.counters && second.counters
      ? counterDeltas(first.counters, second.counters, elapsed)
      : { deltas: {}, rates: {} };
  // Peers derive from the interfaces, so they do not count as evidence of their own.
  const primary = Object.entries(sources).filter(([name]) => name !== "peers");
  if (primary.every(([, s]) => s.status !== "ok")) {
    const reasons = primary.map(([k, s]) => `${k}: ${s.reason}`);
    throw new ToolUnavailableError("network", reasons.join("; "));
  }
  const data: NetworkEvidence = {
    pid,
    netns: choice.netns,
    netnsCandidates: choice.candidates,
    sampleSeconds: Math.round(elapsed * 1000) / 1000,
    interfaces,
    interfaceDeltas: first ? interfaceDeltas(first.interfaces ?? [], interfaces) : {},
    peers: peers ?? [],
    qdiscs: second.qdiscs ?? [],
    qdiscDeltas: first ? qdiscDeltas(first.qdiscs ?? [], second.qdiscs ?? []) : {},
    snmp: second.counters ?? {},
    tcpRates: tcp.rates,
    tcpDeltas: tcp.deltas,
    firewall: {
      rules: first ? withRuleDeltas(first.rules, second.rules) : second.rules,
      policies: second.policies,
    },
    sources,
  };
  if (conntrack) data.conntrack = conntrack;
  return data;
}
