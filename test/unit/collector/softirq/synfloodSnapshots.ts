/** Softirq fixtures (captured during a SYN flood) read into the collector's two snapshots. */
import { readFileSync } from "node:fs";
import { parseProcNetCounters } from "../../../../operator/collector/network/parseProcNetCounters.js";
import { parseProcNetTcp } from "../../../../operator/collector/softirq/parseProcNetTcp.js";
import { parseProcStatCpu } from "../../../../operator/collector/softirq/parseProcStat.js";
import { parseSoftirqs } from "../../../../operator/collector/softirq/parseSoftirqs.js";
import type { SoftirqSnapshot } from "../../../../operator/collector/softirq/summarizeSoftirqInterval.js";

export const dir = new URL("../../../fixtures/softirq/", import.meta.url).pathname;
export const fixture = (name: string) => readFileSync(`${dir}${name}`, "utf8");

export function synfloodSnapshots(): [SoftirqSnapshot, SoftirqSnapshot] {
  const sockets = [
    ...parseProcNetTcp(fixture("net-tcp.synflood.txt")),
    ...parseProcNetTcp(fixture("net-tcp6.synflood.txt")),
  ];
  const snap = (phase: string, atMs: number): SoftirqSnapshot => ({
    atMs,
    softirqs: parseSoftirqs(fixture(`softirqs.synflood-${phase}.txt`)),
    stat: parseProcStatCpu(fixture(`stat.synflood-${phase}.txt`)),
    kernelThreads: [],
    netns: [
      {
        source: "pid:4242",
        counters: parseProcNetCounters(fixture(`netstat.synflood-${phase}.txt`)),
        sockets,
      },
    ],
  });
  return [snap("before", 0), snap("after", 3300)];
}
