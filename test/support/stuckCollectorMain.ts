/**
 * diagnose-collector's main with probes that never finish, for the exit tests: the same
 * collectorMain, runner and exit as operator/collector/main.ts, but the checks are stand-ins
 * (named after real checks because the CLI only takes known names):
 *  - "jvm" opens the FIFO given in STUCK_FIFO for reading without O_NONBLOCK: with no writer, the
 *    open never returns and holds a libuv threadpool thread;
 *  - "profile" runs `sleep <STUCK_SLEEP>` through the runner, in its own process group;
 *  - "cpu" returns at once.
 */
import { writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import type { Check } from "../../operator/collector/check.js";
import { collectorMain } from "../../operator/collector/collectorMain.js";
import { ChildProcessRunner } from "../../operator/collector/commandRunner.js";
import { exitProcess } from "../../operator/collector/exitProcess.js";

const fifo = process.env.STUCK_FIFO ?? "";
const sleepArg = process.env.STUCK_SLEEP ?? "600";

const checks: Check[] = [
  {
    name: "jvm",
    scope: "pod",
    collect: async () => {
      await open(fifo);
      return {};
    },
  },
  {
    name: "profile",
    scope: "any",
    collect: async (ctx) => ctx.runner.run("sleep", [sleepArg], { timeoutMs: 600_000 }),
  },
  { name: "cpu", scope: "any", collect: async () => ({ fine: true }) },
];

const runner = new ChildProcessRunner();
void collectorMain(process.argv.slice(2), {
  checks,
  runner,
  now: () => new Date(),
  stdout: process.stdout,
  stderr: process.stderr,
  writeFileSync: (path, data) => writeFileSync(path, data),
  exit: (code) => {
    runner.killAll();
    exitProcess(code);
  },
});
