/**
 * One program run as a whole process under GNU time (`/usr/bin/time -f %M`: the peak RSS, wait4's
 * ru_maxrss), stdin and stdout from and to files so that nothing of its output passes through the
 * bench, wall time from spawn to exit measured here.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGnuTimeMaxRss } from "./collectorBench.js";

export interface TimedRun {
  wallMs: number;
  peakRssBytes: number | null;
  exitCode: number | null;
  /** The last 4 KiB of stderr. */
  stderr: string;
}

export function timedProcess(
  argv: readonly string[],
  io: { stdin?: string; stdout?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), "diagnose-bench-time-"));
  const timeFile = join(dir, "time");
  const stdin = io.stdin ? openSync(io.stdin, "r") : "ignore";
  const stdout = openSync(io.stdout ?? "/dev/null", "w");
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, ...argv], {
      stdio: [stdin, stdout, "pipe"],
      ...(io.env ? { env: io.env } : {}),
    });
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4096);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), io.timeoutMs ?? 300_000);
    const close = () => {
      clearTimeout(timer);
      if (typeof stdin === "number") closeSync(stdin);
      closeSync(stdout);
    };
    child.on("error", (e) => {
      close();
      rmSync(dir, { recursive: true, force: true });
      reject(e);
    });
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      close();
      let peak: number | null = null;
      try {
        peak = parseGnuTimeMaxRss(readFileSync(timeFile, "utf8"));
      } catch {}
      rmSync(dir, { recursive: true, force: true });
      resolve({ wallMs, peakRssBytes: peak, exitCode: code, stderr });
    });
  });
}
