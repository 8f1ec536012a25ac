import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { analyzeReport } from "../../../../operator/analysis/analyzeReport.js";
import type { CheckContext } from "../../../../operator/collector/check.js";
import { parseProcNetCounters } from "../../../../operator/collector/network/parseProcNetCounters.js";
import {
  isKernelThread,
  parsePidStat,
} from "../../../../operator/collector/softirq/parsePidStat.js";
import {
  halfOpenByPort,
  parseProcNetTcp,
} from "../../../../operator/collector/softirq/parseProcNetTcp.js";
import { parseProcStatCpu } from "../../../../operator/collector/softirq/parseProcStat.js";
import { parseSoftirqs } from "../../../../operator/collector/softirq/parseSoftirqs.js";
import { readKernelThreads } from "../../../../operator/collector/softirq/readKernelThreads.js";
import { createSoftirqCheck } from "../../../../operator/collector/softirq/softirqCheck.js";
import { summarizeSoftirqInterval } from "../../../../operator/collector/softirq/summarizeSoftirqInterval.js";
import { recordedRunner } from "../recordedRunner.js";
import { dir, fixture, synfloodSnapshots } from "./synfloodSnapshots.js";

describe("softirq parsers", () => {
  it("parses /proc/softirqs per type and CPU", () => {
    const s = parseSoftirqs(fixture("softirqs.synflood-after.txt"));
    expect(s.cpus).to.deep.equal(["CPU0", "CPU1"]);
    expect(s.counts.NET_RX).to.deep.equal([65230, 72398]);
    expect(s.counts.HI).to.deep.equal([0, 0]);
    expect(Object.keys(s.counts)).to.include.members(["TIMER", "NET_TX", "BLOCK", "SCHED", "RCU"]);
  });

  it("parses the cpu lines of /proc/stat", () => {
    const s = parseProcStatCpu(fixture("stat.synflood-after.txt"));
    expect(s.total.user).to.equal(18393);
    expect(s.perCpu.cpu1?.softirq).to.equal(134);
    expect(s.perCpu.cpu0?.irq).to.equal(0);
    expect(Object.keys(s.perCpu)).to.deep.equal(["cpu0", "cpu1"]);
  });

  it("parses /proc/<pid>/stat with odd comm names and tells kernel threads", () => {
    const k = parsePidStat(fixture("proc-kthreads-after/14/stat"));
    expect(k).to.include({ pid: 14, comm: "ksoftirqd/0", ppid: 2, utime: 9, stime: 0 });
    expect(isKernelThread(k)).to.equal(true);
    const odd = parsePidStat("77 (a) b (c)) S 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 0 0 0");
    expect(odd).to.include({ comm: "a) b (c)", ppid: 1, utime: 5, stime: 6 });
    expect(isKernelThread(odd)).to.equal(false);
    expect(isKernelThread(parsePidStat(fixture("proc-kthreads-after/2/stat")))).to.equal(true);
  });

  it("parses TcpExt counters", () => {
    const n = parseProcNetCounters(fixture("netstat.synflood-after.txt"));
    expect(n.TcpExt?.SyncookiesSent).to.equal(24888);
    expect(n.TcpExt?.ListenDrops).to.equal(0);
    expect(n.IpExt).to.be.an("object");
  });

  it("counts half-open sockets per listening port", () => {
    const ports = halfOpenByPort(parseProcNetTcp(fixture("net-tcp.synflood.txt")));
    expect(ports[0]).to.deep.equal({ port: 8080, synRecv: 5, listening: true });
  });

  it("reads only kernel threads from a proc tree", async () => {
    const threads = await readKernelThreads(`${dir}proc-kthreads-after`);
    expect(threads.length).to.be.greaterThan(10);
    expect(threads.every((t) => t.pid === 2 || t.ppid === 2)).to.equal(true);
    expect(threads.map((t) => t.pid)).to.not.include(1);
    expect(threads.map((t) => t.comm)).to.include.members([
      "kthreadd",
      "ksoftirqd/0",
      "ksoftirqd/1",
    ]);
  });
});

describe("summarizeSoftirqInterval", () => {
  it("computes per-CPU softirq rates and si share from two readings", () => {
    const [b, a] = synfloodSnapshots();
    const d = summarizeSoftirqInterval(b, a);
    const cpu0 = d.cpus.find((c) => c.cpu === "cpu0");
    // NET_RX on CPU0: 65230 - 48268 = 16962 in 3.3 s.
    expect(cpu0?.softirqRates.NET_RX).to.be.closeTo(16962 / 3.3, 0.01);
    // cpu0 ticks: 293 user + 120 system + 7 softirq = 420; 7 of them softirq.
    expect(cpu0?.siPercent).to.be.closeTo((7 / 420) * 100, 0.01);
    expect(d.total.softirqRates.NET_RX).to.be.closeTo((16962 + 7913) / 3.3, 0.02);
    expect(d.intervalSeconds).to.equal(3.3);
  });

  it("turns the TcpExt counters into SYN evidence", () => {
    const [b, a] = synfloodSnapshots();
    const ev = summarizeSoftirqInterval(b, a).synEvidence[0];
    expect(ev?.delta.syncookiesSent).to.equal(24888);
    expect(ev?.delta.reqQFullDoCookies).to.equal(24888);
    expect(ev?.perSecond.syncookiesSent).to.be.closeTo(24888 / 3.3, 0.01);
    expect(ev?.halfOpen[0]).to.deep.include({ port: 8080, synRecv: 5 });
  });

  it("ranks kernel threads by CPU over the interval", async () => {
    const [b, a] = synfloodSnapshots();
    b.kernelThreads = await readKernelThreads(`${dir}proc-kthreads-before`);
    a.kernelThreads = await readKernelThreads(`${dir}proc-kthreads-after`);
    a.atMs = 1000;
    const d = summarizeSoftirqInterval(b, a);
    // ksoftirqd/0 and /1 each used 1 tick (10 ms) in the 1 s between the two readings.
    expect(d.kernelThreads.map((t) => t.comm)).to.include.members(["ksoftirqd/0", "ksoftirqd/1"]);
    expect(d.kernelThreads.find((t) => t.comm === "ksoftirqd/1")?.cpuPercent).to.equal(1);
    expect(d.kernelThreads.every((t) => t.cpuPercent > 0)).to.equal(true);
  });
});

describe("softirq check collect", () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  /** A proc tree of the recorded files; the listener (pid 4242) has its own /proc/<pid>/net. */
  async function layProcTree(procRoot: string, phase: "before" | "after") {
    await rm(procRoot, { recursive: true, force: true });
    await cp(`${dir}proc-kthreads-${phase}`, procRoot, { recursive: true });
    await writeFile(`${procRoot}/softirqs`, fixture(`softirqs.synflood-${phase}.txt`));
    await writeFile(`${procRoot}/stat`, fixture(`stat.synflood-${phase}.txt`));
    // The node's namespace is pid 1's (the collector does not join the host network).
    for (const net of [`${procRoot}/1/net`, `${procRoot}/4242/net`]) {
      await mkdir(net, { recursive: true });
      await writeFile(`${net}/netstat`, fixture(`netstat.synflood-${phase}.txt`));
      await writeFile(`${net}/tcp`, fixture("net-tcp.synflood.txt"));
      await writeFile(`${net}/tcp6`, fixture("net-tcp6.synflood.txt"));
    }
  }

  it("reads the proc tree twice, sleeping sampleSeconds between, and summarizes both namespaces", async () => {
    root = await mkdtemp(join(tmpdir(), "dgn-softirq-unit-"));
    const procRoot = join(root, "proc");
    await layProcTree(procRoot, "before");
    const slept: number[] = [];
    let nowMs = 0;
    const check = createSoftirqCheck({
      sleep: async (ms) => {
        slept.push(ms);
        nowMs = 3300;
        await layProcTree(procRoot, "after");
      },
    });
    const ctx: CheckContext = {
      target: { kind: "pod", pids: [4242], cgroupPaths: {}, hostname: "test" },
      procRoot,
      sysRoot: "/sys",
      kmsgPath: "/dev/kmsg",
      options: { sampleSeconds: 3 },
      runner: recordedRunner(async () =>
        Promise.reject(new Error("the softirq check runs no command")),
      ),
      now: () => new Date(nowMs),
      progress: () => {},
    };
    const data = await check.collect(ctx);
    expect(slept).to.deep.equal([3000]);
    expect(data.intervalSeconds).to.equal(3.3);
    expect(data.total.softirqRates.NET_RX).to.be.closeTo((16962 + 7913) / 3.3, 0.02);
    expect(data.synEvidence.map((e) => e.source)).to.deep.equal(["node", "pid:4242"]);
    const pod = data.synEvidence[1];
    expect(pod?.delta.syncookiesSent).to.equal(24888);
    expect(pod?.halfOpen[0]).to.deep.include({ port: 8080, synRecv: 5 });
    expect(data.kernelThreads.map((t) => t.comm)).to.include("ksoftirqd/1");
    const findings = analyzeReport({ softirq: { status: "ok", durationMs: 0, data } });
    expect(findings.map((f) => f.code)).to.include("SynFlood");
  });
});
