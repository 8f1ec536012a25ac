import type {
  CommandResult,
  CommandRunner,
  RunOptions,
} from "../../../operator/collector/commandRunner.js";

/**
 * A CommandRunner from a function that answers run() with recorded output; stream() hands the
 * same stdout on in small chunks cut at arbitrary bytes, as a pipe would.
 */
export function recordedRunner(
  run: (command: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>,
  chunkBytes = 4093,
): CommandRunner {
  return {
    run,
    async stream(command, args, onStdout, options) {
      const { stdout, ...rest } = await run(command, args, options);
      const bytes = Buffer.from(stdout, "utf8");
      for (let i = 0; i < bytes.length; i += chunkBytes)
        onStdout(bytes.subarray(i, i + chunkBytes));
      return rest;
    },
  };
}
