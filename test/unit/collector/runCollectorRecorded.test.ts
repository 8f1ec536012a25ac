import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { expect } from "chai";
import type { Check } from "../../../operator/collector/check.js";
import { ToolUnavailableError } from "../../../operator/collector/commandRunner.js";
import { cpuCheck } from "../../../operator/collector/cpu/cpuCheck.js";
import { jvmCheck } from "../../../operator/collector/jvm/jvmCheck.js";
import { memoryCheck } from "../../../operator/collector/memory/memoryCheck.js";
import { parseCollectorArgs } from "../../../operator/collector/parseCollectorArgs.js";
import { renderReport } from "../../../operator/collector/renderReport.js";
import { TargetNotFoundError } from "../../../operator/collector/resolveTarget.js";
import { runCollector } from "../../../operator/collector/runCollector.js";
import type { JvmEvidence } from "../../../operator/report/evidence/jvmEvidence.js";
import { recordedRunner } from "./recordedRunner.js";

const ID = "8a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
const POD =
  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f1e0c2a_3b7d_4c1e_9a2b_8d6f4e3c2b1a.slice";
const PATH = `${POD}/cri-containerd-${ID}.scope`;
const JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64";

const noTools = recordedRunner(async (cmd) => {
  throw new ToolUnavailableError(cmd, "not installed");
});

/**
 * A recorded cgroup v2 node: /proc and /sys trees built from the fixtures, with one containerd
 * container running a JVM (pid 4242 on the host, 1 in the container) and a sibling container.
 */
function buildTree(root: string): { procRoot: string; sysRoot: string } {
  const procRoot = `${root}/proc`;
  const sysRoot = `${root}/sys`;
  const p = `${procRoot}/4242`;
  mkdirSync(`${p}/root/etc`, { recursive: true });
  mkdirSync(`${p}/root/tmp/hsperfdata_app`, { recursive: true });
  mkdirSync(`${p}/root${JAVA_HOME}`, { recursive: true });
  writeFileSync(`${p}/cgroup`, `0::${PATH}\n`);
  writeFileSync(`${p}/comm`, "java\n");
  writeFileSync(`${p}/cmdline`, "java\0-Xmx1g\0-jar\0app.jar\0");
  writeFileSync(`${p}/environ`, "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=80\0HOME=/home/app\0");
  writeFileSync(
    `${p}/status`,
    "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nNSpid:\t4242\t1\nVmRSS:\t  501232 kB\n",
  );
  symlinkSync(`${JAVA_HOME}/bin/java`, `${p}/exe`);
  writeFileSync(
    `${p}/root/etc/passwd`,
    "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
  );
  copyFileSync("test/fixtures/jvm/java17-xmx1g.hsperf", `${p}/root/tmp/hsperfdata_app/1`);
  copyFileSync("test/fixtures/jvm/java17-release", `${p}/root${JAVA_HOME}/release`);
  mkdirSync(`${procRoot}/4300`, { recursive: true });
  writeFileSync(`${procRoot}/4300/cgroup`, `0::${POD}/cri-containerd-${"e".repeat(64)}.scope\n`);
  writeFileSync(`${procRoot}/uptime`, "9100.00 17000.00\n");

  const cg = `${sysRoot}/fs/cgroup${PATH}`;
  mkdirSync(cg, { recursive: true });
  writeFileSync(`${cg}/cgroup.controllers`, "cpuset cpu io memory pids\n");
  for (const dir of ["test/fixtures/memory/v2/oom-at-limit", "test/fixtures/cpu/v2/throttled"]) {
    for (const f of readdirSync(dir)) copyFileSync(`${dir}/${f}`, `${cg}/${f}`);
  }
  return { procRoot, sysRoot };
}

describe("runCollector on a recorded cgroup v2 node (fixtures captured in the guest, kernel 6.1)", () => {
  let root: string;
  let trees: { procRoot: string; sysRoot: string };
  const checks: Check[] = [memoryCheck as Check, jvmCheck as Check, cpuCheck as Check];

  before(() => {
    root = mkdtempSync(`${tmpdir()}/diagnose-recorded-`);
    trees = buildTree(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function args(target: string[]) {
    const parsed = parseCollectorArgs(
      [
        ...target,
        "--json",
        "--sample-seconds",
        "0",
        "--proc-root",
        trees.procRoot,
        "--sys-root",
        trees.sysRoot,
        "--kmsg",
        "test/fixtures/memory/kmsg/cgroup2-containerd-memcg.dmesg",
      ],
      ["memory", "jvm", "cpu"],
    );
    if (parsed.kind !== "run") throw new Error("not a run");
    return parsed.args;
  }

  it("resolves a containerd container id and diagnoses the S1 story end to end", async () => {
    const progress: string[] = [];
    const report = await runCollector(args(["--container-id", "containerd://8a9b1c2d3e4f"]), {
      checks,
      runner: noTools,
      now: () => new Date("2026-01-01T00:00:00Z"),
      progress: (m) => progress.push(m),
    });
    expect(report.schemaVersion).to.equal("diagnose.dev/report/v1");
    expect(report.target).to.deep.include({
      kind: "pod",
      pids: [4242],
      cgroupVersion: 2,
      containerId: ID,
    });
    expect(report.target.cgroupPaths).to.deep.equal({ unified: PATH });
    for (const name of ["memory", "jvm", "cpu"] as const) {
      expect(report.checks[name]?.status, name).to.equal("ok");
      expect(report.checks[name]!.durationMs).to.be.a("number");
    }
    expect(report.findings.map((f) => f.code)).to.deep.equal([
      "OOMKilledByCgroup",
      "JvmHeapExceedsLimit",
      "MemoryNearLimit",
      "CpuThrottled",
    ]);
    const oom = report.findings[0]!;
    expect(oom.summary, oom.summary).to.match(
      /^OOM-killed by its cgroup: java \(pid 137\) at 512Mi usage = limit 512Mi, anon 100% at 2025-12-31T21:30:11.219Z/,
    );
    const jvm = (report.checks.jvm as { data: JvmEvidence }).data.jvms[0]!;
    expect(jvm.hsperfdataPath).to.equal(`${trees.procRoot}/4242/root/tmp/hsperfdata_app/1`);
    expect(jvm.nsPid).to.equal(1);
    expect(jvm.version?.raw).to.equal("17.0.15");
    expect(jvm.flags.maxRamPercentage).to.equal(80);
    expect(jvm.flags.sources.maxRamPercentage?.origin).to.equal("JAVA_TOOL_OPTIONS");
    expect(progress.some((m) => m.startsWith("memory: done"))).to.equal(true);

    const text = renderReport(report);
    expect(text).to.include("CRITICAL [memory] OOMKilledByCgroup");
    expect(text).to.include("fix: For this 512Mi limit set -Xmx");
  });

  it("resolves the same target from a pid, and fails clearly for an unknown one", async () => {
    const deps = { checks, runner: noTools, now: () => new Date(), progress: () => undefined };
    const byPid = await runCollector(args(["--pid", "4242", "--checks", "memory"]), deps);
    expect(byPid.target.containerId).to.equal(ID);
    expect(Object.keys(byPid.checks)).to.deep.equal(["memory"]);
    let err: unknown;
    try {
      await runCollector(args(["--container-id", "0123456789abcdef"]), deps);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TargetNotFoundError);
  });
});
