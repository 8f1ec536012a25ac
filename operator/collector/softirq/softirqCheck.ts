import { readlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { SoftirqEvidence } from "../../report/evidence/softirqEvidence.js";
import type { Check, CheckContext } from "../check.js";
import { mergeCounterTables, parseProcNetCounters } from "../network/parseProcNetCounters.js";
import { readBoundedText, readFilesIn } from "../readTextFile.js";
import { parseProcNetTcp } from "./parseProcNetTcp.js";
import { parseProcStatCpu } from "./parseProcStat.js";
import { parseSoftirqs } from "./parseSoftirqs.js";
import { readKernelThreads } from "./readKernelThreads.js";
import {
  type NetnsSnapshot,
  type SoftirqSnapshot,
  summarizeSoftirqInterval,
} from "./summarizeSoftirqInterval.js";

export interface SoftirqCheckDeps {
  /** Waits between the two readings; tests pass a no-op. */
  sleep?: (ms: number) => Promise<unknown>;
}

/** Node-level softirq, kernel-thread and SYN-flood evidence over ctx.options.sampleSeconds. */
export function createSoftirqCheck(deps: SoftirqCheckDeps = {}): Check<SoftirqEvidence> {
  const wait = deps.sleep ?? ((ms: number) => sleep(ms));
  return {
    name: "softirq",
    scope: "node",
    async collect(ctx) {
      const sources = await netnsSources(ctx);
      const before = await readSnapshot(ctx, sources);
      ctx.progress(`softirq: sampling for ${ctx.options.sampleSeconds}s`);
      await wait(ctx.options.sampleSeconds * 1000);
      const after = await readSnapshot(ctx, sources);
      return summarizeSoftirqInterval(before, after);
    },
  };
}

export const softirqCheck = createSoftirqCheck();

interface NetnsSource {
  label: string;
  netDir: string;
  inode?: string;
}

/**
 * The node's namespace (pid 1's, seen through hostPID: the collector needs no host network) plus
 * each distinct network namespace of the target's processes, read through /proc/<pid>/net
 * without entering it.
 */
async function netnsSources(ctx: CheckContext): Promise<NetnsSource[]> {
  const host = await readlink(`${ctx.procRoot}/1/ns/net`).catch(() => undefined);
  const sources: NetnsSource[] = [
    { label: "node", netDir: `${ctx.procRoot}/1/net`, ...(host ? { inode: host } : {}) },
  ];
  const seen = new Set(host ? [host] : []);
  for (const pid of ctx.target.pids) {
    const ns = await readlink(`${ctx.procRoot}/${pid}/ns/net`).catch(() => undefined);
    if (ns && seen.has(ns)) continue;
    if (ns) seen.add(ns);
    sources.push({
      label: `pid:${pid}`,
      netDir: `${ctx.procRoot}/${pid}/net`,
      ...(ns ? { inode: ns } : {}),
    });
  }
  return sources;
}

/** 100k sockets of ~150 bytes a line: SYN-flood evidence needs counts, not every socket. */
const MAX_TCP_BYTES = 16 * 1024 * 1024;

async function readSnapshot(
  ctx: CheckContext,
  sources: readonly NetnsSource[],
): Promise<SoftirqSnapshot> {
  const atMs = ctx.now().getTime();
  const [softirqs, stat, kernelThreads, netns] = await Promise.all([
    readBoundedText(`${ctx.procRoot}/softirqs`).then(parseSoftirqs),
    readBoundedText(`${ctx.procRoot}/stat`).then(parseProcStatCpu),
    readKernelThreads(ctx.procRoot),
    Promise.all(sources.map(readNetns)),
  ]);
  return { atMs, softirqs, stat, kernelThreads, netns: netns.flatMap((n) => (n ? [n] : [])) };
}

async function readNetns(source: NetnsSource): Promise<NetnsSnapshot | undefined> {
  // A target's netns holds as many sockets as it opens: /proc/net/tcp is capped (150 B a line).
  const files = await readFilesIn(source.netDir, ["netstat", "snmp", "tcp", "tcp6"], MAX_TCP_BYTES);
  // The process exited or /proc is not ours to read.
  if (files.netstat === undefined && files.snmp === undefined) return undefined;
  const snapshot: NetnsSnapshot = {
    source: source.label,
    counters: mergeCounterTables(
      parseProcNetCounters(files.snmp ?? ""),
      parseProcNetCounters(files.netstat ?? ""),
    ),
    sockets: [...parseProcNetTcp(files.tcp ?? ""), ...parseProcNetTcp(files.tcp6 ?? "")],
  };
  if (source.inode) snapshot.netnsInode = source.inode;
  return snapshot;
}
