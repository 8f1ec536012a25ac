#!/usr/bin/env node
/** kubectl-diagnose: the kubectl plugin (`kubectl diagnose ...`). See parseCliArgs.ts for usage. */
import { existsSync, readFileSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubernetesDiagnosisClient, loadKubeConfig } from "./diagnosisClient.js";
import { loadFlameGraphRenderer } from "./flameGraphExport.js";
import { runCli } from "./runCli.js";

/** A `kubectl get diag -o json` List of many Diagnoses may be large; one is at most ~1.5 MiB. */
const MAX_SAVED_DIAGNOSIS_BYTES = 64 * 1024 * 1024;

/** The package version, from the nearest package.json (source tree or dist/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const path = join(dir, "package.json");
    if (existsSync(path))
      return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
    dir = dirname(dir);
  }
  return "unknown";
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  version: packageVersion(),
  connect(command) {
    const { kubeConfig, namespace } = loadKubeConfig(command.global);
    return { client: kubernetesDiagnosisClient(kubeConfig), namespace };
  },
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  writeFile: (path, data) => writeFile(path, data),
  async readFile(path) {
    // A saved Diagnosis is bounded by etcd's object size; anything far larger is not one.
    const { size } = await stat(path);
    if (size > MAX_SAVED_DIAGNOSIS_BYTES)
      throw new Error(`${size} bytes, more than a Diagnosis can be (${MAX_SAVED_DIAGNOSIS_BYTES})`);
    return readFile(path, "utf8");
  },
  loadFlameGraphRenderer,
});
