#!/usr/bin/env node
/** kubectl-diagnose: the kubectl plugin (`kubectl diagnose ...`). See parseCliArgs.ts for usage. */
import { writeFile } from "node:fs/promises";
import { packageVersion } from "../packageVersion.js";
import { kubernetesDiagnosisClient, loadKubeConfig } from "./diagnosisClient.js";
import { loadFlameGraphRenderer } from "./flameGraphExport.js";
import { runCli } from "./runCli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  version: packageVersion(import.meta.url),
  connect(command) {
    const { kubeConfig, namespace } = loadKubeConfig(command.global);
    return { client: kubernetesDiagnosisClient(kubeConfig), namespace };
  },
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  writeFile: (path, data) => writeFile(path, data),
  loadFlameGraphRenderer,
});
