import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { ChildProcessRunner } from "../../../operator/collector/commandRunner.js";

/** Pids whose command line is exactly `sleep <arg>`. */
function sleepers(arg: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8") === `sleep\0${arg}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("ChildProcessRunner kills what it started (real processes)", () => {
  const arg = () => `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;

  it("an abort kills the command and its children (the whole process group)", async () => {
    const runner = new ChildProcessRunner();
    const a = arg();
    const controller = new AbortController();
    // sh waits on its own child: killing only sh would leave the sleep holding the pipes.
    const run = runner.run("sh", ["-c", 'sleep "$1"; echo done', "sh", a], {
      signal: controller.signal,
      timeoutMs: 60_000,
    });
    for (let i = 0; i < 50 && sleepers(a).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(sleepers(a)).to.have.length(1);
    controller.abort();
    let error: Error | undefined;
    await run.catch((e: Error) => {
      error = e;
    });
    expect(error?.message).to.match(/aborted/);
    expect(sleepers(a)).to.deep.equal([]);
  });

  it("the timeout does the same, and killAll ends what is still running", async () => {
    const runner = new ChildProcessRunner();
    const a = arg();
    const timedOut = await runner
      .run("sh", ["-c", 'sleep "$1"', "sh", a], { timeoutMs: 200 })
      .catch((e: Error) => e.message);
    expect(timedOut).to.match(/timed out after 200 ms/);
    expect(sleepers(a)).to.deep.equal([]);
    const b = arg();
    const pending = runner.run("sh", ["-c", 'sleep "$1"', "sh", b], { timeoutMs: 60_000 });
    for (let i = 0; i < 50 && sleepers(b).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    runner.killAll();
    expect(await pending.catch(() => "killed")).to.satisfy(
      (r: unknown) => r === "killed" || (r as { exitCode: number }).exitCode !== 0,
    );
    expect(sleepers(b)).to.deep.equal([]);
  });

  it("an already aborted signal starts nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await new ChildProcessRunner()
      .run("sleep", ["1"], { signal: controller.signal })
      .catch((x: Error) => x.message);
    expect(e).to.match(/aborted before it started/);
  });
});
