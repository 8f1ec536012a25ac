#!/usr/bin/env node
import { enableCompileCacheIn } from "./compileCache.js";

/**
 * The diagnose-collector CLI. Report to stdout, progress and errors to stderr. Only what a
 * command runs is imported (after Node's compile cache is turned on, when asked for:
 * compileCache.ts): start-up is part of every check's cost (test/bench collector).
 */
enableCompileCacheIn(process.env);

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "flamegraph") {
    const { runFlamegraphCommand } = await import("../flamegraph/runFlamegraphCommand.js");
    return runFlamegraphCommand(
      argv.slice(1),
      () => process.stdin,
      process.stdout,
      process.stderr,
      0,
    );
  }
  if (argv[0] === "collapse-perf") {
    const { runCollapseCommand } = await import("./profile/runCollapseCommand.js");
    return runCollapseCommand(
      argv.slice(1),
      () => process.stdin,
      process.stdout,
      process.stderr,
      0,
    );
  }
  const { runCollectorCommand } = await import("./runCollectorCommand.js");
  return runCollectorCommand(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `diagnose-collector: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  },
);
