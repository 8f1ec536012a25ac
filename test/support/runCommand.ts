/**
 * The one way test support, the demo and the bench run a command to its end and keep what it
 * printed: an argument array (never a shell string), a deadline, optional line callbacks for
 * progress, and the output kept bounded.
 */
import { spawn } from "node:child_process";

export interface CommandResult {
  /** null when a signal ended it (see `signal`). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived (what a container log holds). */
  output: string;
  wallMs: number;
  /** True when the deadline or `abort` killed it. */
  killed: boolean;
}

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default 10 s; then `killSignal` (default SIGKILL). */
  timeoutMs?: number;
  killSignal?: NodeJS.Signals;
  /** Kills the command when aborted. */
  abort?: AbortSignal;
  /** Written to its stdin, which is closed afterwards (otherwise stdin is /dev/null). */
  input?: string;
  /** Copies everything it prints to this process's stderr as it comes. */
  echo?: boolean;
  /** Each non-empty stderr line as it arrives. */
  onStderrLine?: (line: string) => void;
  /** Keeps at most this many characters per stream (the tail); default 64 MiB. */
  maxChars?: number;
}

/** Runs `command args` to its end; resolves whatever the exit code (rejects only if it cannot start). */
export function runCommand(
  command: string,
  args: readonly string[],
  opts: RunCommandOptions = {},
): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxChars = opts.maxChars ?? 64 * 2 ** 20;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let output = "";
    let pending = "";
    let killed = false;
    const keep = (text: string, add: string): string => {
      const all = text + add;
      return all.length > maxChars ? all.slice(-maxChars) : all;
    };
    const kill = (): void => {
      killed = true;
      child.kill(opts.killSignal ?? "SIGKILL");
    };
    const timer = setTimeout(kill, timeoutMs);
    opts.abort?.addEventListener("abort", kill, { once: true });
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      stdout = keep(stdout, c);
      output = keep(output, c);
      if (opts.echo) process.stderr.write(c);
    });
    child.stderr!.setEncoding("utf8").on("data", (c: string) => {
      stderr = keep(stderr, c);
      output = keep(output, c);
      if (opts.echo) process.stderr.write(c);
      if (!opts.onStderrLine) return;
      pending += c;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) opts.onStderrLine(line);
      }
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const done = (): void => {
      clearTimeout(timer);
      opts.abort?.removeEventListener("abort", kill);
    };
    child.on("error", (err) => {
      done();
      reject(err);
    });
    child.on("close", (exitCode, signal) => {
      done();
      if (opts.onStderrLine && pending.trim()) opts.onStderrLine(pending);
      resolve({
        exitCode,
        signal,
        stdout,
        stderr,
        output,
        wallMs: performance.now() - started,
        killed,
      });
    });
  });
}

/** The last `lines` lines of a text. */
export function tailLines(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The result, or an error with the exit status and the output's tail unless it exited 0. */
export function succeeded(
  command: string,
  args: readonly string[],
  r: CommandResult,
): CommandResult {
  if (r.exitCode === 0) return r;
  const why = r.killed
    ? `killed by ${r.signal ?? "a signal"} after ${Math.round(r.wallMs)} ms (deadline or abort)`
    : r.signal
      ? `killed by ${r.signal}`
      : `exit ${r.exitCode}`;
  throw new Error(`${command} ${args.join(" ")}: ${why}\n${tailLines(r.output, 40)}`);
}

/** runCommand that must exit 0 (see succeeded); its stdout. */
export async function mustRun(
  command: string,
  args: readonly string[],
  opts: RunCommandOptions = {},
): Promise<string> {
  return succeeded(command, args, await runCommand(command, args, opts)).stdout;
}
