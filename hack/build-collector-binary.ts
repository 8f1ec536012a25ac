/**
 * Builds dist/diagnose-collector: the collector as one executable file that needs no Node, no
 * npm and no checkout on the host (Docker and bare-metal users copy it and run it). Node's
 * single-executable-application support with the project's pinned Node 24 (the `node`
 * devDependency): the collector bundled by esbuild into one CommonJS script (what Node 24 embeds,
 * the same script the image runs: bundle-operator.ts),
 * a blob of it with --experimental-sea-config, injected into a copy of that node binary with
 * postject (the injector the Node project maintains).
 *   tsx hack/build-collector-binary.ts [--outfile <path>]
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "postject";
import { bundleCollector } from "./bundle-operator.js";

const REPO = fileURLToPath(new URL("../", import.meta.url));

export const COLLECTOR_BINARY = join(REPO, "dist/diagnose-collector");
/** The pinned runtime (package.json devDependencies.node), not whatever node runs this script. */
export const PINNED_NODE = join(REPO, "node_modules/node/bin/node");
/** The fuse Node's SEA loader looks for (doc/api/single-executable-applications.md). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export async function buildCollectorBinary(outfile: string = COLLECTOR_BINARY): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "dgn-collector-sea-"));
  try {
    const script = join(work, "diagnose-collector.cjs");
    await bundleCollector(script);
    const blob = join(work, "sea.blob");
    writeFileSync(
      join(work, "sea-config.json"),
      JSON.stringify({
        main: script,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
      }),
    );
    const gen = spawnSync(PINNED_NODE, ["--experimental-sea-config", "sea-config.json"], {
      cwd: work,
      encoding: "utf8",
    });
    if (gen.status !== 0)
      throw new Error(`node --experimental-sea-config failed: ${gen.stderr || gen.error?.message}`);
    rmSync(outfile, { force: true });
    copyFileSync(PINNED_NODE, outfile);
    chmodSync(outfile, 0o755);
    await inject(outfile, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: SEA_FUSE });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--outfile");
  const outfile = resolve(i > 0 ? (process.argv[i + 1] ?? COLLECTOR_BINARY) : COLLECTOR_BINARY);
  mkdirSync(dirname(outfile), { recursive: true });
  await buildCollectorBinary(outfile);
  console.log(`${outfile} (${Math.round(statSync(outfile).size / 1024 / 1024)} MiB)`);
}
