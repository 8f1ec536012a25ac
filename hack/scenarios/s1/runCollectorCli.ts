import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CollectorReport } from "../../../operator/report/collectorReport.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The JSON report: the last line of stdout, when --json was given and it ran. */
  report?: CollectorReport;
  wallMs: number;
}

/** The CLI arguments for a JSON report on one pid; all default checks unless `checks` names some. */
export function collectorJsonArgs(
  pid: number,
  opts: { checks?: string; sampleSeconds?: number } = {},
): string[] {
  return [
    "--pid",
    String(pid),
    "--json",
    ...(opts.checks ? ["--checks", opts.checks] : []),
    "--sample-seconds",
    String(opts.sampleSeconds ?? 0),
  ];
}

/** Runs the real diagnose-collector CLI (through tsx, as `npx tsx operator/collector/main.ts`). */
export function runCollectorCli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "operator/collector/main.ts", ...args],
      { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split("\n").at(-1) ?? "";
      let report: CollectorReport | undefined;
      if (args.includes("--json") && last.startsWith("{"))
        report = JSON.parse(last) as CollectorReport;
      resolve({ exitCode: code, stdout, stderr, report, wallMs: performance.now() - started });
    });
  });
}
