import { rm } from "node:fs/promises";
import { expect } from "chai";
import type { CpuEvidence } from "../../operator/report/evidence/cpuEvidence.js";
import { collectorJsonArgs, runCollectorCli } from "../support/collectorCli.js";
import { removeStaleScenarioCgroups, ScenarioCgroup } from "../support/faults/cgroupV1.js";
import { compileAlloc, startAllocJvm } from "../support/faults/jvm.js";
import { hostGap, skippedBecause } from "./hostKernelGaps.js";

const gap = hostGap("cgroupV1");

describe(`S1 scenario: a 0.1 CPU quota during a JVM start (real kernel, cgroup v1)${skippedBecause(gap)}`, function () {
  this.timeout(120_000);
  let classes: string;
  let cg: ScenarioCgroup | undefined;

  before(async function () {
    if (gap) {
      this.skip();
      return;
    }
    await removeStaleScenarioCgroups();
    classes = await compileAlloc();
  });

  afterEach(async () => {
    await cg?.destroy();
    cg = undefined;
  });

  after(async () => {
    if (classes) await rm(classes, { recursive: true, force: true });
  });

  it("yields CpuThrottled with the quota and throttling ratio", async () => {
    cg = await ScenarioCgroup.create("cpu-throttle", {
      cpuQuotaUsec: 10_000,
      memoryLimitBytes: 512 * 1024 * 1024,
    });
    const child = await startAllocJvm(
      cg,
      classes,
      { xmx: "64m", allocMiB: 32, holdSeconds: 60 },
      60_000,
    );

    const run = await runCollectorCli(
      collectorJsonArgs(child.pid!, { checks: "cpu,jvm", sampleSeconds: 1 }),
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    const f = run.report!.findings.find((x) => x.code === "CpuThrottled")!;
    expect(f, JSON.stringify(run.report!.findings)).to.exist;
    expect(f.summary).to.include("quota 0.1 CPU (10 ms per 100 ms period)");
    expect(f.evidence!.throttledRatio as number).to.be.greaterThan(0.2);
    const cpu = run.report!.checks.cpu;
    expect(cpu?.status).to.equal("ok");
    if (cpu?.status === "ok") {
      const d = cpu.data as CpuEvidence;
      expect(d.cgroup.counters.nrThrottled).to.be.greaterThan(0);
      expect(d.window?.seconds).to.equal(1);
      expect(cpu.durationMs).to.be.greaterThanOrEqual(1000);
    }
  });
});
