/**
 * The operator as production runs it, plus the bench probe bundled to one plain JS file, so no
 * TypeScript loader is in the measured process. By default the operator is the esbuild bundle
 * `npm run build` ships (hack/bundle-operator.ts; `node diagnose-operator.mjs`); with "tsc" it is
 * the tsc output of tsconfig.build.json (`node <out>/operator/controller/main.js`), for comparison.
 * The output goes under the repo's .tmp/ (not dist/, which other work may be rebuilding), where
 * Node still resolves node_modules and package.json's "type": "module" by walking up.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bundleForNode, bundleOperator } from "../../hack/devtools.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** How the operator is built: the shipped esbuild bundle, or tsc's per-file output. */
export type OperatorBuildKind = "bundle" | "tsc";

export interface OperatorBuild {
  /** The operator entry point. */
  mainJs: string;
  /** The bench probe as one ESM file, for `--import`. */
  probeJs: string;
  /** Removes the build. */
  remove(): void;
}

export async function buildOperator(kind: OperatorBuildKind = "bundle"): Promise<OperatorBuild> {
  const tmp = join(REPO, ".tmp");
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(join(tmp, "bench-operator-"));
  try {
    const mainJs =
      kind === "bundle" ? await bundleInto(dir) : await compileWithTsc(join(dir, "dist"));
    const probeJs = join(dir, "operatorProbe.mjs");
    // Built as the operator is: its import of node:http must not load what the operator does not.
    await bundleForNode(join(REPO, "test/bench/operatorProbe.ts"), probeJs);
    return { mainJs, probeJs, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function bundleInto(dir: string): Promise<string> {
  const mainJs = join(dir, "diagnose-operator.mjs");
  await bundleOperator(mainJs);
  return mainJs;
}

async function compileWithTsc(outDir: string): Promise<string> {
  await promisify(execFile)(
    process.execPath,
    [
      join(REPO, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      outDir,
    ],
    { cwd: REPO, maxBuffer: 16 * 2 ** 20 },
  ).catch((err: { stdout?: string; message: string }) => {
    throw new Error(`tsc -p tsconfig.build.json failed: ${err.stdout?.trim() || err.message}`);
  });
  return join(outDir, "operator/controller/main.js");
}
