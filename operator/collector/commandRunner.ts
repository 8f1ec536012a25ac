import type { ChildProcess } from "node:child_process";

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
  /** Aborting kills the command (its whole process group) and rejects. */
  signal?: AbortSignal;
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

/**
 * Runs each command in its own process group (detached), so a timeout, an abort or the
 * collector's exit kills the command and everything it started (perf record's `sleep`, nsenter's
 * child), not only the direct child whose grandchildren would keep the pipes open.
 */
export class ChildProcessRunner implements CommandRunner {
  private readonly live = new Set<ChildProcess>();

  /** SIGKILLs every command still running (the collector calls this before it exits). */
  killAll(): void {
    for (const child of this.live) killGroup(child);
  }

  async run(
    command: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<CommandResult> {
    const out: Buffer[] = [];
    const result = await this.spawnReading(command, args, (b) => out.push(b), {
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
    return this.spawnReading(command, args, onStdout, options);
  }

  /** Spawns the command and hands each chunk of its stdout to onStdout as it arrives. */
  private spawnReading(
    command: string,
    args: readonly string[],
    onStdout: (chunk: Buffer) => void,
    options: RunOptions,
  ): Promise<Omit<CommandResult, "stdout">> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const maxOutputBytes = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new Error(`${command}: aborted before it started`));
    return new Promise((resolve, reject) => {
      // node:child_process on first use: it loads node:net and node:stream (~10 ms of every
      // collector start), and a check that reads only files never needs it.
      const { spawn } = process.getBuiltinModule("node:child_process");
      const child = spawn(command, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: options.env ?? process.env,
        detached: true,
      });
      this.live.add(child);
      const err: Buffer[] = [];
      let outBytes = 0;
      let killedFor: string | undefined;
      const kill = (why: string) => {
        killedFor ??= why;
        killGroup(child);
      };
      const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
      const onAbort = () => kill("aborted (the check timed out)");
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.live.delete(child);
      };
      child.stdout.on("data", (b: Buffer) => {
        if (killedFor) return;
        outBytes += b.length;
        if (outBytes > maxOutputBytes) {
          kill(`output exceeded ${maxOutputBytes} bytes`);
          return;
        }
        try {
          onStdout(b);
        } catch (e) {
          kill(`reading its output failed: ${(e as Error).message}`);
        }
      });
      child.stderr.on("data", (b: Buffer) => {
        if (err.length < 256) err.push(b);
      });
      child.on("error", (e: NodeJS.ErrnoException) => {
        settle();
        if (e.code === "ENOENT") reject(new ToolUnavailableError(command, "not installed"));
        else if (e.code === "EACCES" || e.code === "EPERM")
          reject(new ToolUnavailableError(command, "not permitted"));
        else reject(e);
      });
      child.on("close", (code, sig) => {
        settle();
        if (killedFor) {
          reject(new Error(`${command} ${args.join(" ")}: ${killedFor}`));
          return;
        }
        resolve({
          stderr: Buffer.concat(err).toString("utf8"),
          exitCode: code ?? (sig ? 128 : 1),
        });
      });
    });
  }
}

/** SIGKILL to the child's process group (it leads one: spawned detached). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
