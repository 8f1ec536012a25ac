import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { expect } from "chai";
import type { FootprintPart } from "../../operator/analysis/jvmFootprint.js";
import type { Finding } from "../../operator/api/v1alpha1/diagnosis.js";
import { collectorJsonArgs, runCollectorCli } from "../support/collectorCli.js";
import { cgroupV1Available, ScenarioCgroup } from "../support/faults/cgroupV1.js";
import { compileAlloc, hsperfdataPublished, waitForExit } from "../support/faults/jvm.js";
import { waitFor } from "../support/waitFor.js";

const MiB = 1024 * 1024;
const codes = (fs: Finding[]) => fs.map((f) => f.code);
/** Set to a directory to keep the collector's JSON report (test/fixtures/reports/README.md). */
const CAPTURE = process.env.DGN_REPORT_CAPTURE_DIR;

describe("S1 footprint: the heap fits, direct buffers do not (real JVM, real OOM kill)", function () {
  this.timeout(150_000);
  let classes: string | undefined;
  let cg: ScenarioCgroup | undefined;

  before(async function () {
    if (!cgroupV1Available()) {
      this.skip();
      return;
    }
    classes = await compileAlloc();
  });

  after(async () => {
    await cg?.destroy();
    if (classes) rmSync(classes, { recursive: true, force: true });
  });

  it("-Xmx64m -XX:MaxDirectMemorySize=512m in a 256M cgroup is OOM-killed; the collector reports JvmFootprintExceedsLimit with every part and a plan that fits", async () => {
    cg = await ScenarioCgroup.create("jvm-direct", { memoryLimitBytes: 256 * MiB });
    const flags = ["-Xmx64m", "-XX:MaxDirectMemorySize=512m", "-cp", classes!, "DirectAlloc"];
    const victim = cg.spawn("java", [...flags, "400", "30"]);
    const exit = await waitForExit(victim, 60_000);
    expect(
      exit.signal,
      `java should be SIGKILLed by the OOM killer; stderr: ${exit.stderr}`,
    ).to.equal("SIGKILL");
    expect(await cg.readMemoryFile("memory.oom_control")).to.match(/oom_kill [1-9]/);

    // The restarted JVM, as after a container restart: same flags, a little direct memory held.
    const jvm = cg.spawn("java", [...flags, "16", "90"]);
    await waitFor("the JVM's hsperfdata", 30_000, async () => hsperfdataPublished(jvm.pid!));
    const run = await runCollectorCli(collectorJsonArgs(jvm.pid!, { checks: "memory,jvm" }));
    expect(run.exitCode, run.stderr).to.equal(0);
    const report = run.report!;
    if (CAPTURE) {
      mkdirSync(CAPTURE, { recursive: true });
      writeFileSync(
        `${CAPTURE}/s1-footprint-direct.collector.json`,
        `${JSON.stringify(report, null, 2)}\n`,
      );
    }
    const found = codes(report.findings);
    expect(found).to.include("OOMKilledByCgroup");
    expect(found, "the heap fits: no heap finding").to.not.include("JvmHeapExceedsLimit");

    const fp = report.findings.find((f) => f.code === "JvmFootprintExceedsLimit")!;
    expect(fp, JSON.stringify(found)).to.exist;
    expect(fp.severity).to.equal("Critical");
    expect(fp.summary).to.match(/max heap 64Mi fits the 256Mi limit, but the whole JVM can take/);
    const parts = fp.evidence!.parts as FootprintPart[];
    const part = (name: string) => parts.find((p) => p.part === name)!;
    expect(part("heap")).to.deep.include({
      bytes: 64 * MiB,
      source: "the JVM's perf counters (hsperfdata)",
    });
    expect(part("directMemory")).to.deep.include({
      bytes: 512 * MiB,
      source: "flag -XX:MaxDirectMemorySize=512m on the command line",
    });
    // JDK 17 publishes metaspace at its first GC; before that, from the loaded classes.
    expect(part("metaspace").source).to.match(
      /^counter sun\.gc\.metaspace\.capacity|^estimate from \d+ loaded classes \(counter java\.cls\.loadedClasses/,
    );
    expect(part("metaspace").bytes).to.be.greaterThan(1 * MiB);
    expect(part("codeCache")).to.deep.include({ bytes: 240 * MiB });
    // Threads counted in /proc: the JVM's own (GC, compiler, signal) plus main.
    expect(part("threadStacks").threads).to.be.greaterThan(5);
    expect(part("threadStacks").source).to.include(`/proc/${jvm.pid}/status`);
    expect(fp.evidence!.footprintBytes as number).to.be.greaterThan(256 * MiB);

    // The plan sizes every part and adds up within the limit.
    const m =
      /-Xmx(\d+)m -XX:MaxMetaspaceSize=(\d+)m -XX:ReservedCodeCacheSize=(\d+)m -XX:MaxDirectMemorySize=(\d+)m -Xss(\d+)([km])/.exec(
        fp.remediation ?? "",
      );
    expect(m, fp.remediation).to.not.equal(null);
    const [xmx, meta, code, direct] = [m![1], m![2], m![3], m![4]].map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const stackMiB = Number(m![5]) / (m![6] === "k" ? 1024 : 1);
    const planned = xmx + meta + code + direct + part("threadStacks").threads! * stackMiB;
    expect(planned).to.be.lessThan(256);
    expect(direct).to.be.lessThan(512);
    console.log(`      ${fp.severity} ${fp.code}: ${fp.summary}\n      fix: ${fp.remediation}`);
  });
});
