import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { expect } from "chai";
import type { CollectorReport } from "../../../operator/report/collectorReport.js";
import { decodeTerminationMessage } from "../../../operator/report/terminationMessage.js";
import { repoRoot } from "../../support/repoRoot.js";
import { runCommand } from "../../support/runCommand.js";

/** Pids whose command line is exactly `sleep <arg>`. */
function sleepers(arg: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8") === `sleep\0${arg}\0`) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

describe("the collector exits after its report, whatever its probes are doing (real processes)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/dgn-exit-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a read stuck in the threadpool (FIFO open) and a child that never ends: report by the deadline, exit 0, the child killed", async function () {
    this.timeout(60_000);
    const fifo = `${dir}/fifo`;
    expect(spawnSync("mkfifo", [fifo]).status).to.equal(0);
    const sleepArg = `600.${process.pid}${Date.now() % 1000}`;
    const tm = `${dir}/termination-log`;
    const run = await runCommand(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/support/stuckCollectorMain.ts",
        "--pid",
        String(process.pid),
        "--checks",
        "jvm,profile,cpu",
        "--json",
        "--deadline-seconds",
        "6",
        "--termination-message-path",
        tm,
      ],
      {
        cwd: repoRoot,
        timeoutMs: 40_000,
        env: { ...process.env, STUCK_FIFO: fifo, STUCK_SLEEP: sleepArg },
      },
    );
    expect(run.killed, `did not exit by itself; stderr: ${run.stderr}`).to.equal(false);
    expect(run.exitCode, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout.trimEnd().split("\n").at(-1)!) as CollectorReport;
    expect(report.checks.cpu?.status).to.equal("ok");
    expect(report.checks.jvm).to.include({ status: "error" });
    expect((report.checks.jvm as { reason: string }).reason).to.match(/timed out/);
    expect((report.checks.profile as { reason: string }).reason).to.match(/timed out/);
    expect(decodeTerminationMessage(readFileSync(tm, "utf8")).checks).to.deep.equal({
      jvm: "error",
      profile: "error",
      cpu: "ok",
    });
    // 6 s deadline, checks cut 1.5 s before it; the rest is node + tsx starting.
    expect(run.wallMs).to.be.lessThan(6_000 + 10_000);
    expect(sleepers(sleepArg), "the check's `sleep` outlived the collector").to.deep.equal([]);
  });
});
