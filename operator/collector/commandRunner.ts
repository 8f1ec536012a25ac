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
}

export class ChildProcessRunner implements CommandRunner {
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const maxOutputBytes = options.maxOutputBytes ?? 64 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: options.env ?? process.env,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let killedFor: string | undefined;
      const timer = setTimeout(() => {
        killedFor = `timed out after ${timeoutMs} ms`;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.stdout.on("data", (b: Buffer) => {
        outBytes += b.length;
        if (outBytes > maxOutputBytes) {
          killedFor = `output exceeded ${maxOutputBytes} bytes`;
          child.kill("SIGKILL");
          return;
        }
        out.push(b);
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
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          exitCode: code ?? (signal ? 128 : 1),
        });
      });
    });
  }
}
