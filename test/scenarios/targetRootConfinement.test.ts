/**
 * The collector reads files under a target's root (/proc/<pid>/root/tmp/hsperfdata_<user>/<pid>,
 * /etc/passwd, <java.home>/release). The target owns that tree and may plant symlinks, FIFOs,
 * device nodes and huge files there. These scenarios run a real hostile target (a process in its
 * own mount namespace, chrooted into a directory the test fills) and a real victim JVM with a
 * secret system property, and run the real collector CLI against the target, itself in a memory
 * cgroup so a collector that reads /dev/zero is OOM-killed rather than the machine.
 */
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { expect } from "chai";
import type { CollectorReport } from "../../operator/report/collectorReport.js";
import type { JvmEvidence } from "../../operator/report/evidence/jvmEvidence.js";
import {
  makeCharDevice,
  makeFifo,
  makeTargetRoot,
  removeTargetRoot,
  startChrootedJava,
} from "../support/chrootTarget.js";
import { cgroupV1Available, ScenarioCgroup } from "../support/faults/cgroupV1.js";
import { compileAlloc } from "../support/faults/jvm.js";
import { repoRoot } from "../support/repoRoot.js";
import type { CommandResult } from "../support/runCommand.js";
import { waitFor } from "../support/waitFor.js";

const MiB = 1024 * 1024;

describe("Target root confinement (real hostile target in its own root, real victim JVM)", function () {
  this.timeout(120_000);
  const SECRET = `dgn-secret-${process.pid}-${Date.now().toString(36)}`;
  const cgroups: ScenarioCgroup[] = [];
  const roots: string[] = [];
  let classes: string | undefined;
  let victimPid: number;
  let collectorCg: ScenarioCgroup;

  before(async function () {
    if (!cgroupV1Available()) {
      this.skip();
      return;
    }
    classes = await compileAlloc();
    const victimCg = await ScenarioCgroup.create("victim");
    cgroups.push(victimCg);
    const victim = victimCg.spawn("java", [
      `-Ddb.password=${SECRET}`,
      "-Xmx64m",
      "-cp",
      classes,
      "Alloc",
      "4",
      "300",
    ]);
    victimPid = victim.pid!;
    const victimFile = `/proc/${victimPid}/root/tmp/hsperfdata_root/${victimPid}`;
    await waitFor("the victim JVM's hsperfdata", 30_000, async () => {
      try {
        return readFileSync(victimFile).includes(SECRET);
      } catch {
        return false;
      }
    });
    // Big enough for node and tsx, small enough that reading /dev/zero ends in an OOM kill.
    collectorCg = await ScenarioCgroup.create("collector", { memoryLimitBytes: 768 * MiB });
    cgroups.push(collectorCg);
  });

  after(async () => {
    while (cgroups.length > 0) await cgroups.pop()!.destroy();
    for (const r of roots.splice(0)) removeTargetRoot(r);
    if (classes) await rm(classes, { recursive: true, force: true });
  });

  interface Diagnosed {
    run: CommandResult;
    report: CollectorReport;
    jvm: JvmEvidence;
    targetPid: number;
  }

  /**
   * Starts a hostile target, lets `plant` fill its root (the hsperfdata file is
   * <root>/tmp/hsperfdata_root/<pid>), and runs the collector's jvm check against it.
   */
  async function diagnose(
    label: string,
    plant: (root: string, hsperfdataFile: string) => void,
  ): Promise<Diagnosed> {
    const cg = await ScenarioCgroup.create(`target-${label}`);
    cgroups.push(cg);
    const root = makeTargetRoot(label);
    roots.push(root);
    const targetPid = await startChrootedJava(cg, root);
    mkdirSync(`${root}/tmp/hsperfdata_root`);
    plant(root, `${root}/tmp/hsperfdata_root/${targetPid}`);
    const run = await collectorCg.run(
      process.execPath,
      [
        "--import",
        "tsx",
        "operator/collector/main.ts",
        "--pid",
        String(targetPid),
        "--checks",
        "jvm",
        "--json",
        "--sample-seconds",
        "0",
      ],
      { cwd: repoRoot, timeoutMs: 60_000 },
    );
    const why = `exit ${run.exitCode} ${run.signal ?? ""} killed=${run.killed} after ${Math.round(run.wallMs)} ms; stderr: ${run.stderr.slice(-2000)}`;
    expect(run.killed, `the collector did not end by itself: ${why}`).to.equal(false);
    expect(run.exitCode, why).to.equal(0);
    const report = JSON.parse(run.stdout.trimEnd().split("\n").at(-1)!) as CollectorReport;
    const result = report.checks.jvm!;
    expect(result.status, JSON.stringify(result)).to.equal("ok");
    const jvm = (result as { data: JvmEvidence }).data;
    expect(jvm.jvms.map((j) => j.pid)).to.deep.equal([targetPid]);
    return { run, report, jvm, targetPid };
  }

  it("an absolute symlink to another process's hsperfdata (/proc/<victim>/root/...) does not put the victim's system properties in the report", async () => {
    const d = await diagnose("abs-victim", (_root, file) =>
      symlinkSync(`/proc/${victimPid}/root/tmp/hsperfdata_root/${victimPid}`, file),
    );
    expect(d.run.stdout).not.to.include(SECRET);
    expect(d.run.stderr).not.to.include(SECRET);
    expect(d.jvm.jvms[0]!.perf).to.equal(undefined);
    expect(d.jvm.jvms[0]!.perfUnavailable).to.be.a("string");
  });

  it("a relative symlink climbing out with ../ does not reach the victim's hsperfdata either", async () => {
    const d = await diagnose("rel-victim", (_root, file) =>
      symlinkSync(`${"../".repeat(16)}tmp/hsperfdata_root/${victimPid}`, file),
    );
    expect(d.run.stdout).not.to.include(SECRET);
    expect(d.jvm.jvms[0]!.perf).to.equal(undefined);
  });

  it("an absolute symlink to /etc/hostname resolves against the target's root: its own /etc/hostname is read, not the host's", async () => {
    // The target's own /etc/hostname: 64 bytes starting "TGT!", which the parser names as a bad magic.
    const d = await diagnose("hostname", (root, file) => {
      writeFileSync(`${root}/etc/hostname`, Buffer.alloc(64, "TGT!"));
      symlinkSync("/etc/hostname", file);
    });
    const reason = d.jvm.jvms[0]!.perfUnavailable ?? "";
    expect(reason).to.match(/bad magic 0x54475421/);
    expect(d.jvm.jvms[0]!.perf).to.equal(undefined);
  });

  it("a FIFO in place of the hsperfdata file: the collector ends by itself, the JVM's counters unavailable (not a regular file)", async () => {
    const d = await diagnose("fifo", (_root, file) => makeFifo(file));
    expect(d.jvm.jvms[0]!.perfUnavailable).to.match(/not a regular file/);
  });

  it("/dev/zero in place of the hsperfdata file (the target's own device node): refused before a byte is read", async () => {
    const d = await diagnose("devzero", (root, file) => {
      makeCharDevice(`${root}/dev/zero`, 1, 5);
      symlinkSync("/dev/zero", file);
    });
    expect(d.jvm.jvms[0]!.perfUnavailable).to.match(/not a regular file/);
  });

  it("a 256 MiB (sparse) hsperfdata file is refused by its size, not read", async () => {
    const d = await diagnose("huge", (_root, file) => {
      writeFileSync(file, "");
      truncateSync(file, 256 * MiB);
    });
    expect(d.jvm.jvms[0]!.perfUnavailable).to.match(/larger than/);
  });
});
