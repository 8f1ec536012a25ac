import type { InputStream } from "./readInputSync.js";

/**
 * A diagnose-collector subcommand that streams its input to stdout (`flamegraph`,
 * `collapse-perf`): argv after the subcommand's name; stdinFd is stdin's file descriptor, read
 * synchronously while it does not block (readInputSync). Resolves to the exit code.
 */
export type StreamCommand = (
  argv: readonly string[],
  stdin: InputStream,
  stdout: NodeJS.WritableStream,
  stderr?: NodeJS.WritableStream,
  stdinFd?: number,
) => Promise<number>;
