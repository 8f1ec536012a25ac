#!/usr/bin/env node
// Static: a dynamic import() of a built-in builds an ESM facade that reads every export of the
// module, and fs's lazy ReadStream getter then loads all of node:stream (~20 ms of start-up).
import { writeFileSync } from "node:fs";
import type { StreamCommand } from "../flamegraph/streamCommand.js";

/**
 * The diagnose-collector CLI. Report to stdout, progress and errors to stderr. Only what a
 * command runs is imported (the shipped CommonJS bundle requires a module's Node built-ins only
 * when it starts: hack/bundle-operator.ts): start-up is part of every check's cost (test/bench
 * collector). Node's own NODE_COMPILE_CACHE was measured on that one-file bundle and saved
 * nothing, so there is no cache switch of ours.
 */

/** The subcommands that stream stdin to stdout, each imported only when it runs. */
const STREAM_COMMANDS = new Map<string, () => Promise<StreamCommand>>([
  [
    "flamegraph",
    async () => (await import("../flamegraph/runFlamegraphCommand.js")).runFlamegraphCommand,
  ],
  [
    "collapse-perf",
    async () => {
      (await import("./batchV8Settings.js")).useBatchV8Settings();
      return (await import("./profile/runCollapseCommand.js")).runCollapseCommand;
    },
  ],
]);

async function main(argv: string[]): Promise<void> {
  const streamCommand = STREAM_COMMANDS.get(argv[0] ?? "");
  if (streamCommand) {
    const run = await streamCommand();
    process.exitCode = await run(
      argv.slice(1),
      () => process.stdin,
      process.stdout,
      process.stderr,
      0,
    );
    return;
  }
  const [{ CHECKS }, { collectorMain, EXIT }, { ChildProcessRunner }, { exitProcess }] =
    await Promise.all([
      import("./checks/registry.js"),
      import("./collectorMain.js"),
      import("./commandRunner.js"),
      import("./exitProcess.js"),
    ]);
  const runner = new ChildProcessRunner();
  const exit = (code: number): void => {
    runner.killAll();
    exitProcess(code);
  };
  // Its commands run in their own process groups: a stopped collector takes them down with it.
  process.once("SIGTERM", () => exit(128 + 15));
  process.once("SIGINT", () => exit(128 + 2));
  await collectorMain(argv, {
    checks: CHECKS,
    runner,
    now: () => new Date(),
    stdout: process.stdout,
    stderr: process.stderr,
    writeFileSync: (path, data) => writeFileSync(path, data),
    exit,
  }).catch(() => exit(EXIT.failed));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(
    `diagnose-collector: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
