/**
 * Writes crds/diagnose.dev_diagnoses.yaml from operator/api/v1alpha1/diagnosis.ts.
 * `--check` writes nothing and exits 1 if the committed file differs from what the types generate.
 * `--out <path>` writes (or checks) another file instead.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { crdFromSource } from "./crd/crdFromTypes.js";
import { describeDrift } from "./crd/describeDrift.js";
import { renderCrdYaml } from "./crd/renderCrdYaml.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const TYPES_PATH = join(REPO_ROOT, "operator/api/v1alpha1/diagnosis.ts");
export const CRD_PATH = join(REPO_ROOT, "crds/diagnose.dev_diagnoses.yaml");

export function generateCrdYaml(): string {
  return renderCrdYaml(crdFromSource(readFileSync(TYPES_PATH, "utf8"), "diagnosis.ts"));
}

function main(args: string[]): number {
  const check = args.includes("--check");
  const outIndex = args.indexOf("--out");
  const outPath = outIndex >= 0 ? args[outIndex + 1] : CRD_PATH;
  if (!outPath) throw new Error("--out needs a path");
  const generated = generateCrdYaml();
  const target = relative(process.cwd(), outPath);
  if (!check) {
    writeFileSync(outPath, generated);
    console.log(`wrote ${target} (${Buffer.byteLength(generated)} bytes)`);
    return 0;
  }
  let committed = "";
  try {
    committed = readFileSync(outPath, "utf8");
  } catch {
    console.error(`${target} is missing; run npm run crd:gen`);
    return 1;
  }
  const drift = describeDrift(committed, generated);
  if (drift === undefined) {
    console.log(`${target} is up to date`);
    return 0;
  }
  console.error(
    `${target} differs from the types (- committed, + generated); run npm run crd:gen\n${drift}`,
  );
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
