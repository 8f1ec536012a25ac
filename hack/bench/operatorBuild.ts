/**
 * The operator as production runs it: compiled by tsc with tsconfig.build.json (what `npm run
 * build` and the Dockerfile do), started as `node <out>/operator/controller/main.js`, and the
 * bench probe bundled to one plain JS file, so no TypeScript loader is in the measured process.
 * The output goes under the repo's .tmp/ (not dist/, which other work may be rebuilding), where
 * Node still resolves node_modules and package.json's "type": "module" by walking up.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { parse } from "yaml";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface OperatorBuild {
  /** The compiled operator entry point. */
  mainJs: string;
  /** The bench probe as one ESM file, for `--import`. */
  probeJs: string;
  /** Removes the build. */
  remove(): void;
}

export async function buildOperator(): Promise<OperatorBuild> {
  const tmp = join(REPO, ".tmp");
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(join(tmp, "bench-operator-"));
  try {
    const outDir = join(dir, "dist");
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
    const probeJs = join(dir, "operatorProbe.mjs");
    await build({
      entryPoints: [join(REPO, "hack/bench/operatorProbe.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      outfile: probeJs,
      logLevel: "silent",
    });
    return {
      mainJs: join(outDir, "operator/controller/main.js"),
      probeJs,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The NODE_OPTIONS the chart's Deployment gives the operator by default (values.yaml). */
export function chartNodeOptions(): string {
  const values = parse(
    readFileSync(join(REPO, "charts/diagnose-operator/values.yaml"), "utf8"),
  ) as { nodeOptions?: unknown };
  return typeof values.nodeOptions === "string" ? values.nodeOptions : "";
}
