/** The real diagnose-collector CLI run from source (`node --import tsx operator/collector/main.ts`). */
import type { CollectorReport } from "../../operator/report/collectorReport.js";
import { repoRoot } from "./repoRoot.js";
import { type CommandResult, runCommand } from "./runCommand.js";

const COLLECTOR_ENTRY = "operator/collector/main.ts";

export interface CliRun extends CommandResult {
  /** The JSON report: the last line of stdout, when --json was given and it ran. */
  report?: CollectorReport;
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

export async function runCollectorCli(
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<CliRun> {
  const run = await runCommand(process.execPath, ["--import", "tsx", COLLECTOR_ENTRY, ...args], {
    cwd: repoRoot,
    timeoutMs,
  });
  const last = run.stdout.trimEnd().split("\n").at(-1) ?? "";
  if (args.includes("--json") && last.startsWith("{"))
    return { ...run, report: JSON.parse(last) as CollectorReport };
  return run;
}
