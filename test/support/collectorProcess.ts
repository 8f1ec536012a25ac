/**
 * Runs the real diagnose-collector CLI (through tsx) as a child process and captures what it
 * printed, how long it took and how it ended. A run past `killAfterMs` is SIGKILLed and says so:
 * the scenarios assert that the collector ends on its own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = `${REPO}operator/collector/main.ts`;

export interface CollectorRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the test had to kill it: it did not exit by itself. */
  killed: boolean;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** argv for `node --import tsx operator/collector/main.ts <args>`. */
export function collectorNodeArgv(args: readonly string[]): string[] {
  return ["--import", "tsx", MAIN, ...args];
}

/** Waits for a started collector process; output capped at 16 MiB per stream. */
export function captureRun(child: ChildProcess, killAfterMs: number): Promise<CollectorRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const cap = 16 * 1024 * 1024;
    child.stdout?.on("data", (b: Buffer) => {
      if (stdout.length < cap) stdout += b.toString();
    });
    child.stderr?.on("data", (b: Buffer) => {
      if (stderr.length < cap) stderr += b.toString();
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, killAfterMs);
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, killed, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** Runs the collector directly (same cgroup as the test). */
export function runCollector(
  args: readonly string[],
  killAfterMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CollectorRun> {
  const child = spawn(process.execPath, collectorNodeArgv(args), {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  return captureRun(child, killAfterMs);
}

/** The JSON report: the last stdout line (plain `--json` output, no report token). */
export function lastJsonLine(stdout: string): unknown {
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  return last.startsWith("{") ? JSON.parse(last) : undefined;
}
