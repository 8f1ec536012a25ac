import { spawn } from "node:child_process";

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Cap on captured stdout; beyond it the process is killed and the output marked truncated. */
  maxOutputBytes?: number;
  env?: NodeJS.ProcessEnv;
}

/** A tool that is missing or not permitted: checks turn this into an "unavailable" result. */
export class ToolUnavailableError extends Error {
  constructor(
    readonly tool: string,
    readonly reason: string,
  ) {
    super(`${tool}: ${reason}`);
    this.name = "ToolUnavailableError";
  }
}

/** Runs external commands. Always an argument array, never a shell string. */
export interface CommandRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * Runs a command whose stdout is read as it arrives and never held whole: each chunk goes to
   * onStdout, in order, before the next is read. maxOutputBytes bounds the bytes read, not kept.
   */
  stream(
    command: string,
    args: readonly string[],
    onStdout: (chunk: Buffer) => void,
    options?: RunOptions,
  ): Promise<Omit<CommandResult, "stdout">>;
}

export class ChildProcessRunner implements CommandRunner {
  async run(
    command: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<CommandResult> {
    const out: Buffer[] = [];
    const result = await spawnReading(command, args, (b) => out.push(b), {
      ...options,
      maxOutputBytes: options.maxOutputBytes ?? 64 * 1024 * 1024,
    });
    return { stdout: Buffer.concat(out).toString("utf8"), ...result };
  }

  stream(
    command: string,
    args: readonly string[],
    onStdout: (chunk: Buffer) => void,
    options: RunOptions = {},
  ): Promise<Omit<CommandResult, "stdout">> {
    return spawnReading(command, args, onStdout, options);
  }
}

/** Spawns the command and hands each chunk of its stdout to onStdout as it arrives. */
function spawnReading(
  command: string,
  args: readonly string[],
  onStdout: (chunk: Buffer) => void,
  options: RunOptions,
): Promise<Omit<CommandResult, "stdout">> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxOutputBytes = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env ?? process.env,
    });
    const err: Buffer[] = [];
    let outBytes = 0;
    let killedFor: string | undefined;
    const timer = setTimeout(() => {
      killedFor = `timed out after ${timeoutMs} ms`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => {
      if (killedFor) return;
      outBytes += b.length;
      if (outBytes > maxOutputBytes) {
        killedFor = `output exceeded ${maxOutputBytes} bytes`;
        child.kill("SIGKILL");
        return;
      }
      try {
        onStdout(b);
      } catch (e) {
        killedFor = `reading its output failed: ${(e as Error).message}`;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (b: Buffer) => {
      if (err.length < 256) err.push(b);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT") reject(new ToolUnavailableError(command, "not installed"));
      else if (e.code === "EACCES" || e.code === "EPERM")
        reject(new ToolUnavailableError(command, "not permitted"));
      else reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (killedFor) {
        reject(new Error(`${command} ${args.join(" ")}: ${killedFor}`));
        return;
      }
      resolve({
        stderr: Buffer.concat(err).toString("utf8"),
        exitCode: code ?? (signal ? 128 : 1),
      });
    });
  });
}
