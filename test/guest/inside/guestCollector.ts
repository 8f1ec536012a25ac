import { spawn } from "node:child_process";
import type { CollectorReport } from "../../../operator/report/collectorReport.js";
import type { CollectorRun } from "../guestResults.js";

/**
 * Runs the bundled diagnose-collector (the host put it in the share as diagnose-collector.cjs, the bundle the image runs) as its
 * own process with this guest's Node, the way a collector Job runs it: a real CLI run.
 */
export function runGuestCollector(
  collector: string,
  args: readonly string[],
  timeoutMs = 90_000,
): Promise<CollectorRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [collector, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      if (stdout.length < 16 * 1024 * 1024) stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-8192);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split("\n").at(-1) ?? "";
      const run: CollectorRun = {
        args: [...args],
        exitCode: code,
        stderrTail: stderr.slice(-4096),
        wallMs: Math.round(performance.now() - started),
      };
      if (last.startsWith("{")) {
        try {
          run.report = JSON.parse(last) as CollectorReport;
        } catch {
          // no report: the host test says so with stderr
        }
      }
      resolve(run);
    });
  });
}
