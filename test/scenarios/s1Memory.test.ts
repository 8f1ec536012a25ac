import { mkdir, rm, writeFile } from "node:fs/promises";
import { expect } from "chai";
import type { Finding } from "../../operator/api/v1alpha1/diagnosis.js";
import type { JvmEvidence } from "../../operator/report/evidence/jvmEvidence.js";
import type { MemoryEvidence } from "../../operator/report/evidence/memoryEvidence.js";
import { collectorJsonArgs, runCollectorCli } from "../support/collectorCli.js";
import { removeStaleScenarioCgroups, ScenarioCgroup } from "../support/faults/cgroupV1.js";
import {
  compileAlloc,
  perlAllocatorArgs,
  startAllocJvm,
  waitForExit,
} from "../support/faults/jvm.js";
import { hostGap, skippedBecause } from "./hostKernelGaps.js";

const MiB = 1024 * 1024;
const codes = (fs: Finding[]) => fs.map((f) => f.code);
/** Set to a directory to keep the collector's JSON report (test/fixtures/reports/README.md). */
const CAPTURE = process.env.DGN_REPORT_CAPTURE_DIR;
const gap = hostGap("cgroupV1");

describe(`S1 scenarios: OOM kills and JVM heap vs the cgroup limit (real kernel, cgroup v1)${skippedBecause(gap)}`, function () {
  this.timeout(120_000);
  let classes: string;
  const cgroups: ScenarioCgroup[] = [];

  before(async function () {
    if (gap) {
      this.skip();
      return;
    }
    await removeStaleScenarioCgroups();
    classes = await compileAlloc();
  });

  afterEach(async () => {
    // Every cgroup and process a test made goes, whether it passed or not.
    while (cgroups.length > 0) await cgroups.pop()!.destroy();
  });

  after(async () => {
    if (classes) await rm(classes, { recursive: true, force: true });
  });

  async function cgroup(label: string, memoryLimitBytes: number): Promise<ScenarioCgroup> {
    const cg = await ScenarioCgroup.create(label, { memoryLimitBytes });
    cgroups.push(cg);
    return cg;
  }

  /** Starts a JVM holding a little heap and waits until it has published its perf counters. */
  async function startJvm(cg: ScenarioCgroup, xmx: string, allocMiB: number): Promise<number> {
    const child = await startAllocJvm(cg, classes, { xmx, allocMiB, holdSeconds: 90 });
    return child.pid!;
  }

  it("a JVM with -Xmx1g in a 200M cgroup is OOM-killed; on the restarted JVM the collector reports OOMKilledByCgroup and JvmHeapExceedsLimit", async () => {
    const cg = await cgroup("jvm-oom", 200 * MiB);
    const victim = cg.spawn("java", ["-Xmx1g", "-cp", classes, "Alloc", "900", "30"]);
    const exit = await waitForExit(victim, 60_000);
    expect(
      exit.signal,
      `java should be SIGKILLed by the OOM killer; stderr: ${exit.stderr}`,
    ).to.equal("SIGKILL");
    expect(await cg.readMemoryFile("memory.oom_control")).to.match(/oom_kill [1-9]/);

    const pid = await startJvm(cg, "1g", 16);
    const run = await runCollectorCli(collectorJsonArgs(pid, { checks: "memory,jvm,cpu" }));
    expect(run.exitCode, run.stderr).to.equal(0);
    const report = run.report!;
    if (CAPTURE) {
      await mkdir(CAPTURE, { recursive: true });
      await writeFile(
        `${CAPTURE}/s1-jvm-oom.collector.json`,
        `${JSON.stringify(report, null, 2)}\n`,
      );
    }
    expect(report.target.pids).to.include(pid);
    expect(report.target.cgroupPaths.memory).to.equal(cg.path);

    const oom = report.findings.find((f) => f.code === "OOMKilledByCgroup")!;
    expect(oom, JSON.stringify(codes(report.findings))).to.exist;
    expect(oom.severity).to.equal("Critical");
    expect(oom.summary).to.match(
      /^OOM-killed by its cgroup: java \(pid \d+\) at 200Mi usage = limit 200Mi, anon \d+%/,
    );
    expect(oom.evidence).to.deep.include({ limitBytes: 200 * MiB, usageBytes: 200 * MiB });
    expect((oom.evidence as { victim: { pid: number } }).victim.pid).to.equal(victim.pid);
    expect(oom.evidence!.anonShare as number).to.be.greaterThan(0.8);

    const heap = report.findings.find((f) => f.code === "JvmHeapExceedsLimit")!;
    expect(heap, JSON.stringify(codes(report.findings))).to.exist;
    expect(heap.severity).to.equal("Critical");
    expect(heap.evidence).to.deep.include({ maxHeapBytes: 1024 * MiB, limitBytes: 200 * MiB });
    expect(heap.evidence!.maxHeapSource).to.include("hsperfdata");
    expect(heap.remediation).to.match(/-Xmx\d+m/);

    const jvm = report.checks.jvm;
    expect(jvm?.status).to.equal("ok");
    if (jvm?.status === "ok") {
      const j = (jvm.data as JvmEvidence).jvms[0]!;
      expect(j.version?.major).to.be.greaterThanOrEqual(17);
      expect(j.versionSource).to.equal("release");
      expect(j.containerSupport.aware).to.equal(true);
    }
    // Ranked: the Critical findings come first.
    expect(report.findings[0]!.severity).to.equal("Critical");
    for (const f of report.findings) expect(f.source).to.equal("Collector");
  });

  it("a JVM sized well inside its limit gets no OOM and no heap finding", async () => {
    const cg = await cgroup("jvm-fits", 512 * MiB);
    const pid = await startJvm(cg, "128m", 16);
    const run = await runCollectorCli(collectorJsonArgs(pid, { checks: "memory,jvm" }));
    expect(run.exitCode, run.stderr).to.equal(0);
    const found = codes(run.report!.findings);
    expect(found).to.not.include("OOMKilledByCgroup");
    expect(found).to.not.include("JvmHeapExceedsLimit");
    expect(found).to.include("JvmHeapWithinLimit");
    expect(run.report!.findings.filter((f) => f.severity !== "Info")).to.deep.equal([]);
  });

  it("a non-JVM process OOM-killed gets OOMKilledByCgroup and no JVM finding", async () => {
    const cg = await cgroup("perl-oom", 64 * MiB);
    const victim = cg.spawn("perl", perlAllocatorArgs(256, 5));
    const exit = await waitForExit(victim, 30_000);
    expect(exit.signal).to.equal("SIGKILL");
    const survivor = await cg.spawnJoined("sleep", ["60"]);

    const run = await runCollectorCli(collectorJsonArgs(survivor.pid!));
    expect(run.exitCode, run.stderr).to.equal(0);
    const report = run.report!;
    const oom = report.findings.find((f) => f.code === "OOMKilledByCgroup")!;
    expect(oom, JSON.stringify(codes(report.findings))).to.exist;
    expect(oom.summary).to.match(/perl \(pid \d+\) at 64Mi usage = limit 64Mi/);
    expect(report.findings.filter((f) => f.check === "jvm")).to.deep.equal([]);
    const jvm = report.checks.jvm;
    expect(jvm?.status === "ok" && (jvm.data as JvmEvidence).jvms).to.deep.equal([]);
  });

  it("a process killed with SIGKILL but not by the OOM killer yields no OOM finding", async () => {
    const cg = await cgroup("sigkill", 200 * MiB);
    const victim = await cg.spawnJoined("perl", perlAllocatorArgs(32, 60));
    victim.kill("SIGKILL");
    const exit = await waitForExit(victim, 10_000);
    expect(exit.signal).to.equal("SIGKILL");
    const survivor = await cg.spawnJoined("sleep", ["60"]);

    const run = await runCollectorCli(collectorJsonArgs(survivor.pid!, { checks: "memory" }));
    expect(run.exitCode, run.stderr).to.equal(0);
    const found = codes(run.report!.findings);
    expect(found).to.not.include("OOMKilledByCgroup");
    expect(found).to.not.include("OOMKilledByNode");
    expect(found).to.include("NoOomKill");
    const mem = run.report!.checks.memory;
    expect(mem?.status === "ok" && (mem.data as MemoryEvidence).kernelLog.source).to.equal(
      "/dev/kmsg",
    );
  });

  it("exits non-zero with a clear message for a target that does not exist or bad arguments", async () => {
    const missing = await runCollectorCli(["--pid", "999999999", "--json"]);
    expect(missing.exitCode).to.equal(3);
    expect(missing.stderr).to.match(/target not found: no process with pid 999999999/);
    const bad = await runCollectorCli(["--pid", "1", "--checks", "disk"]);
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.match(/unknown check\(s\) disk/);
  });
});
