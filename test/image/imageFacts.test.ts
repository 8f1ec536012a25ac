/**
 * The image the Dockerfile builds (`npm run image:build`, hack/image/build.sh), read from its OCI
 * archive and run from its own unpacked root file system: the facts the README's "Container
 * image" section states. Needs root (chroot into the image's files); the build itself is cached.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { scanCollectorCommands } from "../support/collectorCommands.js";
import { repoRoot } from "../support/controlPlane.js";
import {
  makeRootfsDir,
  type OciArchive,
  openOciArchive,
  runInRootfs,
  unpackLayers,
} from "../support/ociImage.js";

interface ImageMeta {
  ref: string;
  digest: string;
  archive: string;
  sizeBytes: number;
  sizeMiB: number;
  budgetMiB: number;
  base: string;
}

const NON_ROOT = "65532:65532";
const PROGRAMS = ["diagnose-operator", "diagnose-collector", "kubectl-diagnose"] as const;
const version = (
  JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    version: string;
  }
).version;

describe("the container image (the Dockerfile, built)", function () {
  this.timeout(1_800_000);
  let meta: ImageMeta;
  let image: OciArchive | undefined;
  let root: string | undefined;

  before(function () {
    if (process.getuid?.() !== 0) {
      process.stderr.write("image test skipped: needs root (buildah, chroot)\n");
      this.skip();
    }
    // Cached unless an input changed; then this is the build (minutes).
    const build = spawnSync("bash", [join(repoRoot, "hack/image/build.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    expect(build.status, "hack/image/build.sh").to.equal(0);
    meta = JSON.parse(readFileSync(build.stdout.trim(), "utf8")) as ImageMeta;
    image = openOciArchive(meta.archive, tmpdir());
    root = makeRootfsDir(tmpdir());
    unpackLayers(image, root);
  });

  after(() => {
    image?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** argv through the image's entrypoint, as the image's user unless `user` says otherwise. */
  const run = (argv: readonly string[], user = image!.config.User ?? "0:0") =>
    runInRootfs(root!, [...(image!.config.Entrypoint ?? []), ...argv], {
      user,
      env: image!.config.Env ?? [],
    });

  it("is named and addressed by the digest the chart's image.digest takes", () => {
    expect(image!.ref).to.equal(meta.ref);
    expect(image!.manifestDigest)
      .to.equal(meta.digest)
      .and.match(/^sha256:[0-9a-f]{64}$/);
  });

  it("runs as the non-root user 65532 by default, the operator as its command", () => {
    const c = image!.config;
    expect(c.User).to.equal(NON_ROOT);
    // The node base image's entrypoint execs the command (or runs node for a script argument).
    expect(c.Entrypoint).to.deep.equal(["docker-entrypoint.sh"]);
    expect(c.Cmd).to.deep.equal(["diagnose-operator"]);
    expect(c.WorkingDir).to.equal("/opt/diagnose-operator");
    expect(c.Env).to.include("NODE_ENV=production");
    const id = run(["id", "-u"]);
    expect(id.stdout.trim(), id.stderr).to.equal("65532");
  });

  it("has the three programs on PATH, runnable as the image's user", () => {
    for (const program of PROGRAMS) {
      const r = run([program, "--version"]);
      expect(r.status, `${program} --version: ${r.stderr}`).to.equal(0);
      expect(r.stdout, program).to.include(version);
    }
    const node = run(["node", "--version"]);
    expect(node.stdout.trim(), node.stderr).to.match(/^v24\./);
  });

  it("has every command the collector runs (perf for real: perf version)", () => {
    const commands = [...new Set(scanCollectorCommands(repoRoot).commands.map((c) => c.command))];
    expect(commands).to.include.members(["perf", "nsenter", "ip", "iptables-save"]);
    // `command -v` in the image's shell: the collector finds them on the same PATH.
    const missing = commands.filter(
      (cmd) => run(["sh", "-c", 'command -v "$1"', "sh", cmd]).status !== 0,
    );
    expect(missing).to.deep.equal([]);
    const perf = run(["perf", "version"], "0:0");
    expect(perf.status, perf.stderr).to.equal(0);
    expect(perf.stdout).to.match(/^perf version \d/);
  });

  it(`stays within its size budget (unpacked, measured here from the archive's layers)`, () => {
    const du = spawnSync("du", ["-sb", root!], { encoding: "utf8" });
    const bytes = Number(du.stdout.split("\t")[0]);
    const mib = Math.ceil(bytes / 1048576);
    process.stderr.write(
      `      image ${meta.ref}@${meta.digest.slice(0, 19)}: ${mib} MiB unpacked (budget ${meta.budgetMiB} MiB), base: ${meta.base}\n`,
    );
    expect(mib).to.be.at.most(meta.budgetMiB);
    // The build's own measure (buildah's mount) and this one agree within 2%.
    expect(Math.abs(bytes - meta.sizeBytes) / meta.sizeBytes).to.be.lessThan(0.02);
  });
});
