import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { build } from "esbuild";
import { repoRoot } from "../../support/repoRoot.js";

describe("collector start-up: Node's compile cache", function () {
  this.timeout(60_000);
  let dir: string;
  let collector: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dgn-compile-cache-"));
    // Split at the dynamic imports, as tsc's per-file output the image runs: the entry is
    // compiled before it can turn the cache on, what it imports after is cached.
    await build({
      entryPoints: { collector: join(repoRoot, "operator/collector/main.ts") },
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      outdir: dir,
      outExtension: { ".js": ".mjs" },
      logLevel: "warning",
    });
    collector = join(dir, "collector.mjs");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (env: NodeJS.ProcessEnv) => {
    const clean = { ...process.env };
    delete clean.NODE_COMPILE_CACHE;
    delete clean.DIAGNOSE_COMPILE_CACHE;
    return spawnSync(process.execPath, [collector, "--version"], {
      env: { ...clean, ...env },
      encoding: "utf8",
    });
  };

  it("is kept in DIAGNOSE_COMPILE_CACHE when set, and used by the next start", () => {
    const cache = join(mkdtempSync(join(dir, "tmp-")), "cache");
    const first = run({ DIAGNOSE_COMPILE_CACHE: cache });
    expect(first.status, first.stderr).to.equal(0);
    expect(readdirSync(cache).some((d) => d.startsWith(process.version))).to.equal(true);
    const again = run({ DIAGNOSE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: "COMPILE_CACHE" });
    expect(again.status).to.equal(0);
    expect(again.stderr).to.match(/V8 code cache for ESM file:.*\/chunk-\w+\.mjs was accepted/);
    expect(again.stderr).to.not.match(/was rejected/);
  });

  it("starts without one where none can be made, and by default (a Job's /tmp is new every run)", () => {
    for (const env of [
      { DIAGNOSE_COMPILE_CACHE: "/proc/1/no-such-dir" },
      { DIAGNOSE_COMPILE_CACHE: "/proc/1/no-such-dir/cache" },
      { DIAGNOSE_COMPILE_CACHE: "/sys/no-such-dir" },
      {},
    ]) {
      const r = run(env);
      expect(r.status, JSON.stringify(env)).to.equal(0);
      expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
      expect(r.stderr).to.equal("");
    }
    const tmp = mkdtempSync(join(dir, "tmp-"));
    expect(run({ TMPDIR: tmp }).status).to.equal(0);
    expect(readdirSync(tmp)).to.deep.equal([]);
  });
});
