import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { Finding } from "../../operator/api/v1alpha1/diagnosis.js";
import type { CollectorReport } from "../../operator/report/collectorReport.js";
import type { CpuEvidence } from "../../operator/report/evidence/cpuEvidence.js";
import type { JvmEvidence } from "../../operator/report/evidence/jvmEvidence.js";
import type { MemoryEvidence } from "../../operator/report/evidence/memoryEvidence.js";
import type { NetworkEvidence } from "../../operator/report/evidence/networkEvidence.js";
import type { SoftirqEvidence } from "../../operator/report/evidence/softirqEvidence.js";
import type { GuestResults, ScenarioId, ScenarioResult } from "./guestResults.js";
import { bootGuest } from "./host/bootGuest.js";
import { ensureGuestImage } from "./host/guestImage.js";
import { prepareGuestShare } from "./host/guestShare.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MiB = 1024 * 1024;
/** Where each run's share (results, captured fixtures) and console log are kept. */
const OUT = process.env.GUEST_OUT_DIR ?? "/tmp/dgn-guest";
/** The guest powers itself off by then; QEMU is killed a minute later at the latest. */
const SUITE_DEADLINE_SECONDS = Number(process.env.GUEST_DEADLINE_SECONDS ?? 900);
const KUBEPODS = "/kubepods.slice";
/** GUEST_ONLY=s1Xmx,s2Seed runs only those scenarios (for working on one); the rest are skipped. */
const ONLY = process.env.GUEST_ONLY?.split(",");
/** A test of one scenario's results: skipped when GUEST_ONLY leaves the scenario out. */
const guestIt = (id: ScenarioId, title: string, fn: () => void) =>
  (ONLY && !ONLY.includes(id) ? it.skip : it)(title, fn);

const started = performance.now();
const progress = (message: string) =>
  console.log(`      guest: [${Math.round((performance.now() - started) / 1000)}s] ${message}`);

const codes = (r: CollectorReport | undefined) => r?.findings.map((f) => f.code) ?? [];
const finding = (r: CollectorReport | undefined, code: string): Finding => {
  const f = r?.findings.find((x) => x.code === code);
  expect(f, `${code} in ${JSON.stringify(codes(r))}`).to.not.equal(undefined);
  return f!;
};
const oomFinding = (r: CollectorReport | undefined): Finding => {
  const f = r?.findings.find((x) => x.code.startsWith("OOMKilled"));
  expect(f, `an OOMKilled* finding in ${JSON.stringify(codes(r))}`).to.not.equal(undefined);
  return f!;
};
const dataOf = <T>(r: CollectorReport | undefined, check: keyof CollectorReport["checks"]): T => {
  const c = r?.checks[check];
  expect(c?.status, `${check}: ${JSON.stringify(c)}`).to.equal("ok");
  return (c as { data: T }).data;
};

describe("guest: cgroup v2 and netem for real, in a Debian guest with its stock kernel (QEMU)", function () {
  this.timeout((SUITE_DEADLINE_SECONDS + 25 * 60) * 1000);
  let results: GuestResults | undefined;
  let consoleLog = "";

  /** The scenario's record; fails with the guest's own error when the fault could not be made. */
  function scenario(id: ScenarioId): ScenarioResult {
    const s = results?.scenarios[id];
    expect(
      s,
      `no result for ${id}: the guest did not get there (console: ${consoleLog})`,
    ).to.not.equal(undefined);
    expect(s!.ok, `${id} could not be run in the guest: ${s!.error}`).to.equal(true);
    return s!;
  }

  function run(id: ScenarioId, name: string): CollectorReport {
    const r = scenario(id).runs[name];
    expect(r, `${id} made no collector run "${name}"`).to.not.equal(undefined);
    expect(r!.exitCode, r!.stderrTail).to.equal(0);
    expect(r!.report, r!.stderrTail).to.not.equal(undefined);
    return r!.report!;
  }

  before(async () => {
    if (process.getuid?.() !== 0)
      throw new Error("the guest suite needs root (mmdebstrap, QEMU); CI runs as root");
    const image = await ensureGuestImage((line) => progress(line));
    progress(`image ready: ${image.dir}`);
    await rm(OUT, { recursive: true, force: true });
    const share = join(OUT, "share");
    await mkdir(share, { recursive: true });
    consoleLog = join(OUT, "console.log");
    await prepareGuestShare(share, {
      deadlineSeconds: SUITE_DEADLINE_SECONDS,
      scenarioTimeoutSeconds: 240,
      ...(ONLY ? { only: ONLY } : {}),
    });
    progress("share ready (node, bundled collector and suite, Alloc classes); booting");
    let bootSeconds: number | undefined;
    const boot = await bootGuest({
      image,
      share,
      consoleLog,
      timeoutMs: (SUITE_DEADLINE_SECONDS + 60) * 1000,
      onConsoleLine: (line) => {
        // Behind the kernel's timestamp and the unit's name when journald relays it.
        const at = line.indexOf("dgn-guest:");
        if (at < 0) return;
        bootSeconds ??= Math.round((performance.now() - started) / 1000);
        progress(line.slice(at));
      },
    });
    progress(
      `guest powered off after ${boot.seconds} s (QEMU pid ${boot.qemuPid}, exit ${boot.exitCode ?? boot.signal}${
        boot.timedOut ? ", KILLED at the deadline" : ""
      }); the suite started ${bootSeconds ?? "?"} s into this run; console: ${consoleLog}`,
    );
    const file = join(share, "out", "results.json");
    if (existsSync(file)) results = JSON.parse(readFileSync(file, "utf8")) as GuestResults;
    if (process.env.UPDATE_FIXTURES === "1" && existsSync(join(share, "out", "fixtures"))) {
      await cp(join(share, "out", "fixtures"), join(REPO, "test/fixtures"), { recursive: true });
      progress("captured fixtures copied into test/fixtures (review the diff)");
    }
    expect(results, `the guest wrote no results; console: ${consoleLog}`).to.not.equal(undefined);
  });

  let consoleShown = false;
  afterEach(function () {
    if (this.currentTest?.state !== "failed" || consoleShown || !existsSync(consoleLog)) return;
    consoleShown = true;
    const tail = readFileSync(consoleLog, "utf8").trimEnd().split(/\r?\n/).slice(-15);
    console.log(
      `      guest console (last lines of ${consoleLog}):\n        ${tail.join("\n        ")}`,
    );
  });

  it("boots Debian's stock 6.1 kernel on cgroup v2 with the cpu and memory controllers, and runs every scenario", () => {
    expect(results!.kernel).to.match(/^6\.1\.\d+-\d+-amd64$/);
    expect(results!.cgroupControllers.split(" ")).to.include.members(["cpu", "memory"]);
    expect(results!.finished, "the suite did not reach its end").to.equal(true);
  });

  describe("S1: JVMs OOM-killed in kubelet-shaped cgroup v2 containers", () => {
    guestIt(
      "s1Xmx",
      "-Xmx1g in a 512 MiB container: OOMKilledByCgroup from memory.events, memory.stat and the kernel log; JvmHeapExceedsLimit; found by --container-id",
      () => {
        const s = scenario("s1Xmx");
        expect(s.facts.victimSignal).to.equal("SIGKILL");
        expect(s.facts.memoryEventsAfterKill).to.match(/^oom_kill 1$/m);
        expect(s.facts.memoryPeakAfterKill).to.equal(512 * MiB);
        const report = run("s1Xmx", "restarted");
        expect(report.target).to.deep.include({
          kind: "pod",
          cgroupVersion: 2,
          containerId: s.facts.containerId,
        });
        expect(report.target.cgroupPaths).to.deep.equal({ unified: s.facts.cgroupPath });
        expect(report.target.pids).to.include(s.facts.restartedPid);

        const oom = finding(report, "OOMKilledByCgroup");
        expect(oom.severity).to.equal("Critical");
        expect(oom.summary).to.match(
          new RegExp(
            `^OOM-killed by its cgroup: java \\(pid ${s.facts.victimPid}\\) at 512Mi usage = limit 512Mi, anon \\d+%`,
          ),
        );
        expect(oom.evidence).to.deep.include({
          limitBytes: 512 * MiB,
          usageBytes: 512 * MiB,
          oomMemcg: s.facts.cgroupPath,
          taskMemcg: s.facts.cgroupPath,
          constraint: "CONSTRAINT_MEMCG",
          oomKillCounter: 1,
        });
        expect((oom.evidence as { victim: { pid: number; uid: number } }).victim).to.deep.include({
          pid: s.facts.victimPid,
          uid: 1000,
        });
        expect(oom.evidence!.anonShare as number).to.be.greaterThan(0.8);

        const mem = dataOf<MemoryEvidence>(report, "memory");
        expect(mem.kernelLog.source).to.equal("/dev/kmsg");
        expect(mem.cgroup?.events.oomKill).to.equal(1);
        expect(mem.cgroup?.limitBytes).to.equal(512 * MiB);
        expect(mem.cgroup?.maxUsageBytes).to.equal(512 * MiB);
        expect(mem.cgroup?.stat.anon).to.be.greaterThan(0);
        expect(mem.kernelLog.oomKills[0]!.victim?.oomScoreAdj).to.equal(968);

        const heap = finding(report, "JvmHeapExceedsLimit");
        expect(heap.severity).to.equal("Critical");
        expect(heap.evidence).to.deep.include({ maxHeapBytes: 1024 * MiB, limitBytes: 512 * MiB });
        expect(heap.evidence!.maxHeapSource).to.include("hsperfdata");
        expect(heap.remediation).to.match(/-Xmx\d+m/);
        const jvm = dataOf<JvmEvidence>(report, "jvm").jvms[0]!;
        expect(jvm.version?.major).to.equal(17);
        expect(jvm.containerSupport.aware).to.equal(true);
        expect(jvm.hsperfdataPath).to.match(/\/tmp\/hsperfdata_app\/\d+$/);
        expect(report.findings[0]!.severity).to.equal("Critical");
      },
    );

    guestIt(
      "s1Xmx",
      "-Xmx1g in a 512 MiB container: the kernel's own memory.stat of the OOM (one /dev/kmsg record with embedded newlines on 6.1) in the report, anon the largest consumer",
      () => {
        const report = run("s1Xmx", "restarted");
        const stats =
          dataOf<MemoryEvidence>(report, "memory").kernelLog.oomKills[0]!.memcgStats ?? {};
        expect(stats.anon).to.be.greaterThan(400 * MiB);
        expect(stats.file).to.be.a("number");
        expect(stats.kernel).to.be.a("number");
        const consumers = finding(report, "OOMKilledByCgroup").evidence!.largestConsumers as {
          name: string;
        }[];
        expect(consumers[0]?.name).to.equal("anon");
      },
    );

    guestIt(
      "s1MaxRam",
      "only -XX:MaxRAMPercentage=95 in a 256 MiB container: OOM-killed, and the ergonomic heap plus non-heap exceeds the limit",
      () => {
        const s = scenario("s1MaxRam");
        expect(s.facts.victimSignal).to.equal("SIGKILL");
        expect(s.facts.memoryEventsAfterKill).to.match(/^oom_kill 1$/m);
        const report = run("s1MaxRam", "restarted");
        expect(report.target.containerId).to.equal(s.facts.containerId);
        // Usage at the kill is the limit or a page under it ("256.0Mi usage of limit 256Mi").
        expect(oomFinding(report).summary).to.match(
          /java \(pid \d+\) at 256(\.0)?Mi usage (=|of) limit 256Mi/,
        );
        // The ergonomic heap (95% of 256Mi) fits the limit by itself; heap plus non-heap does
        // not, and this cgroup has OOM-killed: the whole-footprint finding, Critical.
        expect(codes(report)).to.not.include("JvmHeapExceedsLimit");
        const heap = finding(report, "JvmFootprintExceedsLimit");
        expect(heap.severity).to.equal("Critical");
        expect(heap.summary).to.include("fits the 256Mi limit");
        const max = heap.evidence!.maxHeapBytes as number;
        expect(max).to.be.within(0.9 * 256 * MiB, 0.96 * 256 * MiB);
        expect(heap.evidence!.footprintBytes as number).to.be.greaterThan(256 * MiB);
        expect(heap.evidence!.maxHeapSource).to.include("hsperfdata");
        expect(heap.remediation).to.match(/-Xmx\d+m -XX:MaxMetaspaceSize=\d+m/);
        expect(dataOf<JvmEvidence>(report, "jvm").jvms[0]!.flags.maxRamPercentage).to.equal(95);
      },
    );

    guestIt(
      "s1Fits",
      "a JVM well inside a 1 GiB limit and no CPU quota: nothing above Info",
      () => {
        const report = run("s1Fits", "fits");
        expect(codes(report)).to.include.members(["JvmHeapWithinLimit", "NoOomKill"]);
        expect(report.findings.filter((f) => f.severity !== "Info")).to.deep.equal([]);
        expect(dataOf<CpuEvidence>(report, "cpu").cgroup.quotaUsec).to.equal(undefined);
      },
    );

    guestIt(
      "s1Cpu",
      "cpu.max 10000 100000 during the JVM's start: CpuThrottled from cpu.stat",
      () => {
        const s = scenario("s1Cpu");
        expect(s.facts.cpuMax).to.equal("10000 100000");
        const report = run("s1Cpu", "starting");
        const f = finding(report, "CpuThrottled");
        expect(f.summary).to.include("quota 0.1 CPU (10 ms per 100 ms period)");
        const cpu = dataOf<CpuEvidence>(report, "cpu");
        expect(cpu.cgroup.cgroupVersion).to.equal(2);
        expect(cpu.window?.seconds).to.equal(2);
        expect(cpu.window!.counters.nrPeriods).to.be.greaterThan(5);
        expect(cpu.window!.counters.nrThrottled / cpu.window!.counters.nrPeriods).to.be.greaterThan(
          0.5,
        );
        expect(cpu.cgroup.counters.throttledUsec).to.be.greaterThan(0);
      },
    );
  });

  describe("OOM kills above the container: a pod-level and a node-allocatable limit", () => {
    guestIt(
      "podLimitOom",
      "pod slice limit, container unlimited: the kernel's oom_memcg is the pod slice, and the collector reports the kill",
      () => {
        const s = scenario("podLimitOom");
        expect(s.facts.containerMemoryMax).to.equal("max");
        expect(s.facts.victimSignal).to.equal("SIGKILL");
        expect(s.facts.kernelReport).to.include(`oom_memcg=${s.facts.podPath},`);
        const f = oomFinding(run("podLimitOom", "survivor"));
        expect(f.severity).to.equal("Critical");
        expect(f.evidence).to.deep.include({ oomMemcg: s.facts.podPath, limitBytes: 256 * MiB });
        expect((f.evidence as { victim: { pid: number } }).victim.pid).to.equal(s.facts.victimPid);
      },
    );

    guestIt(
      "podLimitOom",
      "pod slice limit: the finding names the pod-level limit, not the container's",
      () => {
        const s = scenario("podLimitOom");
        const f = oomFinding(run("podLimitOom", "survivor"));
        expect(f.evidence).to.deep.include({ limitLevel: "pod", limitCgroup: s.facts.podPath });
        expect(f.summary).to.match(/\bpod\b/i);
        expect(f.remediation).to.not.match(/raise the container's memory limit/i);
      },
    );

    guestIt(
      "nodeAllocatableOom",
      "kubepods.slice limit (node allocatable), pod and container unlimited: oom_memcg is kubepods.slice, and the collector reports the kill",
      () => {
        const s = scenario("nodeAllocatableOom");
        expect(s.facts.victimSignal).to.equal("SIGKILL");
        expect(s.facts.kernelReport).to.include(`oom_memcg=${KUBEPODS},`);
        const f = oomFinding(run("nodeAllocatableOom", "survivor"));
        expect(f.evidence).to.deep.include({ oomMemcg: KUBEPODS, limitBytes: 320 * MiB });
      },
    );

    guestIt(
      "nodeAllocatableOom",
      "kubepods.slice limit: the finding names the node-allocatable limit",
      () => {
        const f = oomFinding(run("nodeAllocatableOom", "survivor"));
        expect(f.evidence).to.deep.include({
          limitLevel: "nodeAllocatable",
          limitCgroup: KUBEPODS,
        });
        expect(f.summary).to.match(/allocatable/i);
        expect(f.remediation).to.not.match(/raise the container's memory limit/i);
      },
    );
  });

  describe("S2: the seed's packet loss inside a pod network namespace", () => {
    guestIt(
      "s2Seed",
      "netem loss 30% + random DROP in INPUT/OUTPUT + MTU 100: QdiscLoss with 30% and its drops, IptablesDropRule, MtuMismatch",
      () => {
        const s = scenario("s2Seed");
        expect(s.facts.tcQdisc).to.match(
          /^qdisc netem [0-9a-f]+: root refcnt \d+ limit 1000 loss 30%/,
        );
        const report = run("s2Seed", "pod");
        const loss = finding(report, "QdiscLoss");
        expect(loss.severity).to.equal("Critical");
        expect(loss.summary).to.include("configured to lose 30% of packets");
        const ev = loss.evidence as {
          dev: string;
          netem: { lossPercent: number };
          stats: { drops: number; packets: number };
        };
        expect(ev.dev).to.equal("eth0");
        expect(ev.netem.lossPercent).to.equal(30);
        expect(ev.stats.drops).to.be.greaterThan(0);
        expect(ev.stats.packets).to.be.greaterThan(0);

        const drop = finding(report, "IptablesDropRule");
        expect(drop.severity).to.equal("Critical");
        const rules = (
          drop.evidence as { rules: { chain: string; packets: number; probability: number }[] }
        ).rules;
        expect(rules.map((r) => r.chain).sort()).to.deep.equal(["INPUT", "OUTPUT"]);
        for (const r of rules) {
          expect(r.packets).to.be.greaterThan(0);
          expect(r.probability).to.be.closeTo(0.3, 1e-6);
        }

        const mtu = finding(report, "MtuMismatch");
        expect(mtu.severity).to.equal("Critical");
        expect(mtu.evidence).to.deep.include({ interface: "eth0", podMtu: 100, peerMtu: 1500 });
        const net = dataOf<NetworkEvidence>(report, "network");
        expect(net.qdiscs.find((q) => q.kind === "netem")?.stats.drops).to.equal(ev.stats.drops);
      },
    );

    guestIt(
      "s2Gemodel",
      "netem loss gemodel: the collector reads the real qdisc and its drops",
      () => {
        const s = scenario("s2Gemodel");
        expect(s.facts.tcQdisc).to.match(/loss gemodel p 1% r 10% 1-h 70% 1-k 0\.1%/);
        const report = run("s2Gemodel", "pod");
        const q = dataOf<NetworkEvidence>(report, "network").qdiscs.find((x) => x.kind === "netem");
        expect(q?.dev).to.equal("eth0");
        expect(q?.options).to.have.property("loss-gemodel");
      },
    );

    guestIt(
      "s2Gemodel",
      "netem loss gemodel: QdiscLoss with the Gilbert-Elliott parameters",
      () => {
        const f = finding(run("s2Gemodel", "pod"), "QdiscLoss");
        expect(f.summary).to.match(/Gilbert-Elliott/);
        expect(f.summary).to.include("loss gemodel p 1% r 10% 1-h 70% 1-k 0.1%");
      },
    );
  });

  describe("S3: a SYN flood into a listener in another network namespace", () => {
    guestIt("s3SynFlood", "SynFlood on port 8080 and NET_RX softirqs rising with the flood", () => {
      const s = scenario("s3SynFlood");
      const baseline = dataOf<SoftirqEvidence>(run("s3SynFlood", "baseline"), "softirq");
      const report = run("s3SynFlood", "flood");
      const flood = dataOf<SoftirqEvidence>(report, "softirq");
      const before = baseline.total.softirqRates.NET_RX ?? 0;
      const during = flood.total.softirqRates.NET_RX ?? 0;
      progress(
        `S3: NET_RX/s ${before} -> ${during}; ${report.findings.map((f) => `${f.code}: ${f.summary}`).join(" | ")}`,
      );
      expect(during, `NET_RX/s baseline ${before}, during ${during}`).to.be.greaterThan(
        before * 2 + 50,
      );
      const syn = finding(report, "SynFlood");
      expect(syn.summary).to.match(/port 8080/);
      expect(syn.summary).to.include(`pid ${s.facts.listenerPid}`);
      const ev = flood.synEvidence.find((e) => e.source === `pid:${s.facts.listenerPid}`);
      expect(ev?.halfOpen[0]).to.deep.include({ port: 8080, listening: true });
      expect(ev!.perSecond.syncookiesSent).to.be.greaterThan(10);
    });
  });
});
