/**
 * The diagnose-collector CLI over injected I/O: parse the arguments, run the collector under a
 * hard deadline, print the report (the last stdout line), write the termination message, and
 * hand the exit code to `exit`, which ends the process whatever the probes are still doing.
 */
import type { CollectorReport } from "../report/collectorReport.js";
import { encodeReportLine } from "../report/reportLine.js";
import { terminalLine, terminalText } from "../report/terminalText.js";
import { encodeTerminationMessage } from "../report/terminationMessage.js";
import type { Check } from "./check.js";
import { COLLECTOR_VERSION } from "./collectorVersion.js";
import type { CommandRunner } from "./commandRunner.js";
import { parseCollectorArgs, USAGE, UsageError } from "./parseCollectorArgs.js";
import { renderReport } from "./renderReport.js";
import { TargetNotFoundError } from "./resolveTarget.js";
import { collectorDeadlineMs, runCollector } from "./runCollector.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, targetNotFound: 3, deadline: 4 } as const;

/** One progress or error message on stderr: a single line, control characters replaced. */
const MAX_PROGRESS_CHARS = 500;

export interface CollectorMainDeps {
  checks: readonly Check[];
  runner: CommandRunner;
  now: () => Date;
  stdout: NodeJS.WritableStream;
  stderr: { write(text: string): unknown };
  /** Synchronous, so it completes even when the threadpool is held by a stuck read. */
  writeFileSync(path: string, data: string): void;
  /** Ends the process (kills child process groups first); called once, with the exit code. */
  exit(code: number): void;
}

/** Runs the CLI; every path ends in exactly one deps.exit(code). */
export async function collectorMain(
  argv: readonly string[],
  deps: CollectorMainDeps,
): Promise<void> {
  let exited = false;
  const exit = (code: number) => {
    if (exited) return;
    exited = true;
    deps.exit(code);
  };
  const say = (message: string) =>
    deps.stderr.write(`diagnose-collector: ${terminalLine(message, MAX_PROGRESS_CHARS)}\n`);
  try {
    exit(await run(argv, deps, say, exit));
  } catch (e) {
    say(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    exit(EXIT.failed);
  }
}

async function run(
  argv: readonly string[],
  deps: CollectorMainDeps,
  say: (message: string) => void,
  exit: (code: number) => void,
): Promise<number> {
  let parsed: ReturnType<typeof parseCollectorArgs>;
  try {
    parsed = parseCollectorArgs(
      argv,
      deps.checks.map((c) => c.name),
    );
  } catch (e) {
    if (e instanceof UsageError) {
      deps.stderr.write(`diagnose-collector: ${terminalLine(e.message)}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  if (parsed.kind === "help") {
    deps.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === "version") {
    deps.stdout.write(`${COLLECTOR_VERSION}\n`);
    return EXIT.ok;
  }
  const args = parsed.args;
  /** Plain text, so `kubectl describe` of the collector pod says why it failed. */
  const failWith = (code: number, message: string): number => {
    say(message);
    if (args.terminationMessagePath) {
      try {
        deps.writeFileSync(args.terminationMessagePath, terminalLine(message, 4000));
      } catch {
        // the message is on stderr already
      }
    }
    return code;
  };

  let deadlineMs: number;
  try {
    deadlineMs = collectorDeadlineMs(args, deps.checks);
  } catch (e) {
    if (e instanceof UsageError) return failWith(EXIT.usage, e.message);
    throw e;
  }
  // The backstop: checks are cut before it (runCollector), so it fires only when something
  // outside a check hangs. Not unref'd: it must fire even if nothing else keeps the loop alive.
  const deadline = setTimeout(
    () => exit(failWith(EXIT.deadline, `no report by the ${deadlineMs} ms deadline; giving up`)),
    deadlineMs,
  );
  try {
    const report = await runCollector(args, {
      checks: deps.checks,
      runner: deps.runner,
      now: deps.now,
      progress: say,
    });
    if (args.htmlPath) {
      const page = await reportPage(report, deps.now());
      deps.writeFileSync(args.htmlPath, page);
      say(`wrote ${args.htmlPath} (${Buffer.byteLength(page)} bytes)`);
    }
    // The report is the last stdout line: the operator reads it from the end of the pod log.
    if (!args.json) deps.stdout.write(terminalText(renderReport(report)));
    else if (args.reportToken) deps.stdout.write(`${encodeReportLine(report, args.reportToken)}\n`);
    else deps.stdout.write(`${JSON.stringify(report)}\n`);
    // The fallback when the pod log is gone: the kubelet keeps this file's first 4 KiB.
    if (args.terminationMessagePath)
      deps.writeFileSync(
        args.terminationMessagePath,
        encodeTerminationMessage(report, args.reportToken),
      );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) return failWith(EXIT.usage, e.message);
    if (e instanceof TargetNotFoundError)
      return failWith(EXIT.targetNotFound, `target not found: ${e.message}`);
    throw e;
  } finally {
    clearTimeout(deadline);
  }
}

/** The report as one self-contained HTML page (--html); its renderers load only when asked for. */
async function reportPage(report: CollectorReport, now: Date): Promise<string> {
  const [{ renderReportPage }, { pageModelFromCollectorReport }, flameGraph] = await Promise.all([
    import("../reportpage/renderReportPage.js"),
    import("../reportpage/pageModelFrom.js"),
    import("../flamegraph/renderFlameGraph.js"),
  ]);
  const { renderFlameGraph, renderDiffFlameGraph, FLAME_GRAPH_LIBRARY } = flameGraph;
  return renderReportPage(pageModelFromCollectorReport(report), {
    flameGraph: { renderFlameGraph, renderDiffFlameGraph, library: FLAME_GRAPH_LIBRARY },
    generator: `diagnose-collector ${COLLECTOR_VERSION}`,
    generatedAt: now.toISOString(),
  });
}
