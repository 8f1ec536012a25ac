import { ChildProcessRunner } from "../../../operator/collector/commandRunner.js";

const runner = new ChildProcessRunner();

/** Runs a command (argument array) and fails loudly with its stderr on a non-zero exit. */
export async function must(command: string, args: readonly string[], timeoutMs = 10_000) {
  const res = await runner.run(command, args, { timeoutMs });
  if (res.exitCode !== 0) {
    throw new Error(`${command} ${args.join(" ")}: exit ${res.exitCode}: ${res.stderr.trim()}`);
  }
  return res.stdout;
}

/** Runs a command and returns its result whatever the exit code (for probes expected to fail). */
export function attempt(command: string, args: readonly string[], timeoutMs = 10_000) {
  return runner.run(command, args, { timeoutMs });
}
