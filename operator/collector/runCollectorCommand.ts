import { writeFile } from "node:fs/promises";
import { CHECKS } from "./checks/registry.js";
import { COLLECTOR_VERSION } from "./collectorVersion.js";
import { parseCollectorArgs, USAGE, UsageError } from "./parseCollectorArgs.js";

/** `diagnose-collector (--pid N | --container-id ID | --node) ...`: the diagnosis. The exit code. */
export async function runCollectorCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCollectorArgs>;
  try {
    parsed = parseCollectorArgs(
      argv,
      CHECKS.map((c) => c.name),
    );
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`diagnose-collector: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${COLLECTOR_VERSION}\n`);
    return 0;
  }
  const args = parsed.args;
  // What a run needs, not --help or --version.
  const [{ runCollector }, { ChildProcessRunner }, { renderReport }, { encodeTerminationMessage }] =
    await Promise.all([
      import("./runCollector.js"),
      import("./commandRunner.js"),
      import("./renderReport.js"),
      import("../report/terminationMessage.js"),
    ]);
  const { TargetNotFoundError } = await import("./resolveTarget.js");
  try {
    const report = await runCollector(args, {
      checks: CHECKS,
      runner: new ChildProcessRunner(),
      now: () => new Date(),
      progress: (m) => process.stderr.write(`diagnose-collector: ${m}\n`),
    });
    // The JSON report is the last line of stdout: the operator reads it from the pod log.
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : renderReport(report));
    if (args.htmlPath) {
      const [{ renderReportPage }, { pageModelFromCollectorReport }, flameGraph] =
        await Promise.all([
          import("../reportpage/renderReportPage.js"),
          import("../reportpage/pageModelFrom.js"),
          import("../flamegraph/renderFlameGraph.js"),
        ]);
      const page = renderReportPage(pageModelFromCollectorReport(report), {
        flameGraph: {
          renderFlameGraph: flameGraph.renderFlameGraph,
          renderDiffFlameGraph: flameGraph.renderDiffFlameGraph,
          library: flameGraph.FLAME_GRAPH_LIBRARY,
        },
        generator: `diagnose-collector ${COLLECTOR_VERSION}`,
        generatedAt: new Date().toISOString(),
      });
      await writeFile(args.htmlPath, page);
      process.stderr.write(
        `diagnose-collector: wrote ${args.htmlPath} (${Buffer.byteLength(page)} bytes)\n`,
      );
    }
    // The fallback when the pod log is gone: the kubelet keeps this file's first 4 KiB.
    if (args.terminationMessagePath)
      await writeFile(args.terminationMessagePath, encodeTerminationMessage(report));
    return 0;
  } catch (e) {
    const fail = async (code: number, message: string): Promise<number> => {
      process.stderr.write(`diagnose-collector: ${message}\n`);
      // Plain text, so `kubectl describe` of the collector pod says why it failed.
      if (args.terminationMessagePath)
        await writeFile(args.terminationMessagePath, message.slice(0, 4000)).catch(() => {});
      return code;
    };
    if (e instanceof UsageError) return fail(2, e.message);
    if (e instanceof TargetNotFoundError) return fail(3, `target not found: ${e.message}`);
    throw e;
  }
}
