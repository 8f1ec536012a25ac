/**
 * `kubectl diagnose report`: a Diagnosis (from the cluster or a saved `kubectl get diag -o json`)
 * as one self-contained HTML page, with a differential flame graph against a baseline.
 */
import { pageModelFromDiagnosis, pickDiagnosis } from "../reportpage/pageModelFrom.js";
import { renderReportPage } from "../reportpage/renderReportPage.js";
import { CliError, type DiagnosisClient } from "./diagnosisClient.js";
import type { FlameGraphRenderer } from "./flameGraphExport.js";
import type { ReportCommand } from "./parseCliArgs.js";

/** What the command needs of the CLI's injected I/O. */
export interface ReportPageDeps {
  stderr: { write(text: string): unknown };
  stdout: { write(text: string): unknown };
  version: string;
  now(): number;
  writeFile(path: string, data: string): Promise<void>;
  readFile(path: string): Promise<string>;
  loadFlameGraphRenderer(): Promise<FlameGraphRenderer | undefined>;
}

async function readDiagnosisFile(
  deps: ReportPageDeps,
  path: string,
  name: string | undefined,
): Promise<unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(await deps.readFile(path));
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return pickDiagnosis(doc, name);
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
}

export async function writeReportPage(
  command: ReportCommand,
  deps: ReportPageDeps,
  cluster: { client: DiagnosisClient; namespace: string } | undefined,
): Promise<void> {
  let diagnosis: unknown;
  let baseline: unknown;
  if (command.fromFile !== undefined) {
    diagnosis = await readDiagnosisFile(deps, command.fromFile, command.name);
  } else if (cluster && command.name !== undefined) {
    diagnosis = await cluster.client.get(cluster.namespace, command.name);
  } else {
    throw new CliError("report needs a NAME or --from-file");
  }
  if (command.baselineFile !== undefined)
    baseline = await readDiagnosisFile(deps, command.baselineFile, undefined);
  else if (command.baseline !== undefined && cluster)
    baseline = await cluster.client.get(cluster.namespace, command.baseline);

  const renderer = await deps.loadFlameGraphRenderer();
  const model = pageModelFromDiagnosis(diagnosis, baseline);
  const html = renderReportPage(model, {
    ...(renderer?.page ? { flameGraph: renderer.page } : {}),
    generator: `kubectl-diagnose ${deps.version}`,
    generatedAt: new Date(deps.now()).toISOString(),
  });
  if (command.outFile === "-") deps.stdout.write(html);
  else {
    await deps.writeFile(command.outFile, html);
    deps.stderr.write(
      `wrote ${command.outFile} (${Buffer.byteLength(html)} bytes): ${model.findings.length} findings${model.profile ? ", flame graph" : ""}${model.baselineProfile ? ", differential flame graph" : ""}\n`,
    );
  }
}
