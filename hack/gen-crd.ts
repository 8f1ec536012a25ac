/**
 * Generates the Diagnosis CRD from operator/api/v1alpha1/diagnosis.ts into its two homes:
 *   crds/diagnose.dev_diagnoses.yaml                         for `kubectl apply -f crds/`
 *   charts/diagnose-operator/templates/crd.yaml              the same CRD as a Helm template
 * `--check` writes nothing and exits 1 if either committed file differs from what the types
 * generate. `--root <dir>` writes (or checks) the two paths under another folder instead.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { crdFromSource } from "./crd/crdFromTypes.js";
import { describeDrift } from "./crd/describeDrift.js";
import { renderChartCrdTemplate, renderCrdYaml } from "./crd/renderCrdYaml.js";
import type { CustomResourceDefinition } from "./crd/schemaTypes.js";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TYPES_PATH = join(REPO_ROOT, "operator/api/v1alpha1/diagnosis.ts");
const CRD_FILE = "crds/diagnose.dev_diagnoses.yaml";
const CHART_CRD_FILE = "charts/diagnose-operator/templates/crd.yaml";
export const CRD_PATH = join(REPO_ROOT, CRD_FILE);
export const CHART_CRD_TEMPLATE_PATH = join(REPO_ROOT, CHART_CRD_FILE);

function generateCrd(): CustomResourceDefinition {
  return crdFromSource(readFileSync(TYPES_PATH, "utf8"), "diagnosis.ts");
}

export function generateCrdYaml(): string {
  return renderCrdYaml(generateCrd());
}

export function generateChartCrdTemplate(): string {
  return renderChartCrdTemplate(generateCrd());
}

function main(args: string[]): number {
  const check = args.includes("--check");
  const rootIndex = args.indexOf("--root");
  const root = rootIndex >= 0 ? args[rootIndex + 1] : REPO_ROOT;
  if (!root) throw new Error("--root needs a folder");
  const crd = generateCrd();
  const outputs = [
    { path: join(root, CRD_FILE), text: renderCrdYaml(crd) },
    { path: join(root, CHART_CRD_FILE), text: renderChartCrdTemplate(crd) },
  ];
  let failed = 0;
  for (const { path, text } of outputs) {
    const target = relative(process.cwd(), path);
    if (!check) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${target} (${Buffer.byteLength(text)} bytes)`);
      continue;
    }
    let committed: string;
    try {
      committed = readFileSync(path, "utf8");
    } catch {
      console.error(`${target} is missing; run npm run crd:gen`);
      failed++;
      continue;
    }
    const drift = describeDrift(committed, text);
    if (drift === undefined) {
      console.log(`${target} is up to date`);
      continue;
    }
    console.error(
      `${target} differs from the types (- committed, + generated); run npm run crd:gen\n${drift}`,
    );
    failed++;
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
