/**
 * Bundles the operator (operator/controller/main.ts) and its dependencies into one minified ESM
 * file, dist/operator-bundle/diagnose-operator.mjs, the package's `diagnose-operator` bin.
 * Why a bundle: one module graph without the dependencies' unused code keeps the operator's heap
 * and RSS lower than the tsc output plus node_modules (`npm run bench -- --only memory` measures it).
 * Also the collector (operator/collector/main.ts), as one minified CommonJS file,
 * dist/collector-bundle/diagnose-collector.cjs, the `diagnose-collector` bin: CommonJS because
 * an ESM bundle hoists every Node built-in any module imports to its top (zlib, crypto,
 * child_process load for `--version`), while esbuild's CommonJS output requires them where a
 * lazily imported module starts. Start-up is part of every check's cost (the bench's collector
 * rows): ~50 ms of CPU for `--version` against ~70 ms for the ESM bundle and ~80 ms for tsc's
 * per-file output.
 *   tsx hack/bundle-operator.ts [--outfile <path>] [--collector-outfile <path>]
 */
import { chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const REPO = fileURLToPath(new URL("../", import.meta.url));

const OPERATOR_BUNDLE = join(REPO, "dist/operator-bundle/diagnose-operator.mjs");
export const COLLECTOR_BUNDLE = join(REPO, "dist/collector-bundle/diagnose-collector.cjs");

/**
 * `import ... from "node:http"` in an ES module builds node:http's ESM facade, which reads every
 * export, among them the lazy WebSocket, CloseEvent and MessageEvent getters: that loads undici,
 * ~8 MiB of RSS the operator never uses (it has no fetch and no WebSocket). Through require(),
 * as CommonJS gets it, those getters stay unread. The bundle's imports of node:http become
 * require() calls (the banner's createRequire), with the same exports.
 */
const requireNodeHttp: Plugin = {
  name: "require-node-http",
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.namespace === "require-node-http"
        ? { path: "node:http", external: true }
        : { path: "node:http", namespace: "require-node-http" },
    );
    b.onLoad({ filter: /.*/, namespace: "require-node-http" }, () => ({
      contents: 'module.exports = require("node:http");',
      loader: "js",
    }));
  },
};

/** Writes the bundle (and its linked source map) to outfile. */
export async function bundleOperator(outfile: string = OPERATOR_BUNDLE): Promise<void> {
  await bundleForNode(join(REPO, "operator/controller/main.ts"), outfile, {
    minify: true,
    sourcemap: true,
  });
  chmodSync(outfile, 0o755);
}

/** The collector CLI as one minified CommonJS script (also what the one-file collector embeds). */
export async function bundleCollector(outfile: string = COLLECTOR_BUNDLE): Promise<void> {
  await bundleForNode(join(REPO, "operator/collector/main.ts"), outfile, {
    minify: true,
    format: "cjs",
  });
  chmodSync(outfile, 0o755);
}

/**
 * A TypeScript entry point and its dependencies as one file for Node: ESM by default (the
 * operator, the bench's probe), or CommonJS (the collector, see the header).
 */
export async function bundleForNode(
  entry: string,
  outfile: string,
  opts: { minify?: boolean; sourcemap?: boolean; format?: "esm" | "cjs" } = {},
): Promise<void> {
  const esm = (opts.format ?? "esm") === "esm";
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: esm ? "esm" : "cjs",
    target: "node24",
    minify: opts.minify ?? false,
    sourcemap: opts.sourcemap ? "linked" : false,
    outfile,
    // esbuild keeps the entry's `#!/usr/bin/env node` above the banner. The CJS dependencies
    // (winston, parts of @kubernetes/client-node) call require() for Node built-ins, which an
    // ESM bundle has only through createRequire; a CommonJS bundle has require() already.
    ...(esm
      ? {
          banner: {
            js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
          },
          plugins: [requireNodeHttp],
        }
      : {}),
    logLevel: "warning",
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (flag: string): string | undefined => {
    const i = process.argv.indexOf(flag);
    return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]!) : undefined;
  };
  await bundleOperator(arg("--outfile") ?? OPERATOR_BUNDLE);
  await bundleCollector(arg("--collector-outfile") ?? COLLECTOR_BUNDLE);
}
