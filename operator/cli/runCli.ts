/** kubectl-diagnose commands over injected I/O, cluster client and clock; returns the exit code. */
import { stringify } from "yaml";
import type { Diagnosis } from "../api/v1alpha1/diagnosis.js";
import {
  escapeRawInQuotes,
  hasUnsafeText,
  terminalLine,
  terminalSafeValue,
} from "../report/terminalText.js";
import { buildDiagnosis } from "./buildDiagnosis.js";
import { CliError, type DiagnosisClient, describeApiError } from "./diagnosisClient.js";
import { type FlameGraphRenderer, flameGraphSvg } from "./flameGraphExport.js";
import { type CliCommand, type OutputFormat, parseCliArgs } from "./parseCliArgs.js";
import { formatElapsed } from "./parseDuration.js";
import { describeChanges, isFinished, progressLine } from "./progress.js";
import { renderDiagnosisReport } from "./renderDiagnosisReport.js";
import { writeReportPage } from "./reportPage.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, error: 3, waitTimeout: 4 } as const;

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliDeps {
  stdout: Output;
  stderr: Output;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
  /** Connects for the command's global options: a client and the namespace to use. */
  connect(command: CliCommand): { client: DiagnosisClient; namespace: string };
  now(): number;
  sleep(ms: number): Promise<void>;
  writeFile(path: string, data: string): Promise<void>;
  /** Reads a saved Diagnosis (bounded by the caller). */
  readFile(path: string): Promise<string>;
  loadFlameGraphRenderer(): Promise<FlameGraphRenderer | undefined>;
  /** Poll interval while waiting; default 1000 ms. */
  pollMs?: number;
}

/**
 * A Diagnosis holds text from the diagnosed workload (summaries quoting process names, paths):
 * nothing of it reaches the terminal with a control character. The report shows it replaced
 * (terminalSafeValue); JSON and YAML keep the data exact, with such characters escaped.
 */
function printObject(d: Diagnosis, format: OutputFormat, deps: CliDeps, color: boolean): void {
  if (format === "json") deps.stdout.write(`${escapeRawInQuotes(JSON.stringify(d, null, 2))}\n`);
  else if (format === "yaml")
    deps.stdout.write(
      hasUnsafeText(d)
        ? escapeRawInQuotes(
            stringify(d, {
              defaultStringType: "QUOTE_DOUBLE",
              defaultKeyType: "QUOTE_DOUBLE",
              blockQuote: false,
              lineWidth: 0,
            }),
          )
        : stringify(d),
    );
  else if (format === "name")
    deps.stdout.write(`diagnosis.diagnose.dev/${terminalLine(d.metadata.name ?? "")}\n`);
  else
    deps.stdout.write(
      renderDiagnosisReport(terminalSafeValue(d), {
        color,
        width: Math.min(deps.stdout.columns ?? 120, 160),
      }),
    );
}

/** Polls until the Diagnosis finishes, narrating changes on stderr; undefined on timeout. */
async function waitForFinish(
  client: DiagnosisClient,
  namespace: string,
  first: Diagnosis,
  timeoutSeconds: number,
  deps: CliDeps,
): Promise<Diagnosis | undefined> {
  const live = deps.stderr.isTTY === true;
  const started = deps.now();
  const clearLine = (): void => {
    if (live) deps.stderr.write("\r\u001b[2K");
  };
  let prev: Diagnosis | undefined;
  let d = first;
  for (;;) {
    const elapsed = deps.now() - started;
    const changes = describeChanges(prev, d);
    if (changes.length > 0) {
      clearLine();
      for (const c of changes)
        deps.stderr.write(`[${formatElapsed(elapsed)}] ${terminalLine(c, 1000)}\n`);
    }
    prev = d;
    if (isFinished(d)) {
      clearLine();
      return d;
    }
    if (live)
      deps.stderr.write(
        `\r\u001b[2K${terminalLine(progressLine(d, elapsed), (deps.stderr.columns ?? 120) - 1)}`,
      );
    if (elapsed >= timeoutSeconds * 1000) {
      clearLine();
      return undefined;
    }
    await deps.sleep(deps.pollMs ?? 1000);
    d = await client.get(namespace, d.metadata.name ?? "");
  }
}

async function execute(command: CliCommand, deps: CliDeps): Promise<number> {
  // A saved Diagnosis needs no cluster.
  if (command.kind === "report" && command.fromFile !== undefined) {
    await writeReportPage(command, deps, undefined);
    return EXIT.ok;
  }
  const { client, namespace } = deps.connect(command);
  if (command.kind === "report") {
    await writeReportPage(command, deps, { client, namespace });
    return EXIT.ok;
  }
  const color =
    command.global.color ?? (deps.stdout.isTTY === true && deps.env.NO_COLOR === undefined);

  if (command.kind === "flamegraph") {
    const d = await client.get(namespace, command.name);
    const svg = flameGraphSvg(d, await deps.loadFlameGraphRenderer());
    if (command.outFile === "-") deps.stdout.write(svg);
    else {
      await deps.writeFile(command.outFile, svg);
      deps.stderr.write(`wrote ${command.outFile} (${Buffer.byteLength(svg)} bytes)\n`);
    }
    return EXIT.ok;
  }

  let d: Diagnosis;
  if (command.kind === "create") {
    d = await client.create(buildDiagnosis(command, namespace));
    const name = d.metadata.name ?? "";
    if (!command.wait) {
      if (command.output === "report") {
        deps.stdout.write(`diagnosis.diagnose.dev/${name} created\n`);
        deps.stderr.write(`Follow it with: kubectl diagnose get ${name} -n ${namespace} --wait\n`);
      } else printObject(d, command.output, deps, color);
      return EXIT.ok;
    }
    deps.stderr.write(
      `diagnosis.diagnose.dev/${name} created in ${namespace}, waiting for it to finish\n`,
    );
  } else {
    d = await client.get(namespace, command.name);
  }

  if (command.wait && !isFinished(d)) {
    const timeout = command.waitTimeoutSeconds ?? (d.spec?.timeoutSeconds ?? 120) + 60;
    const done = await waitForFinish(client, namespace, d, timeout, deps);
    if (!done) {
      deps.stderr.write(
        `gave up waiting after ${timeout}s: ${d.metadata.name} is not finished (--wait-timeout to wait longer)\n`,
      );
      printObject(await client.get(namespace, d.metadata.name ?? ""), command.output, deps, color);
      return EXIT.waitTimeout;
    }
    d = done;
  }
  printObject(d, command.output, deps, color);
  return d.status?.phase === "Failed" ? EXIT.failed : EXIT.ok;
}

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (parsed.kind === "help") {
    deps.stdout.write(parsed.text);
    return EXIT.ok;
  }
  if (parsed.kind === "version") {
    deps.stdout.write(`kubectl-diagnose ${deps.version}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    deps.stderr.write(`error: ${parsed.message}\n`);
    return EXIT.usage;
  }
  try {
    return await execute(parsed.command, deps);
  } catch (e) {
    // API errors quote what the server was sent or holds (names, admission messages).
    deps.stderr.write(
      `error: ${terminalLine(e instanceof CliError ? e.message : describeApiError(e), 2000)}\n`,
    );
    return EXIT.error;
  }
}
