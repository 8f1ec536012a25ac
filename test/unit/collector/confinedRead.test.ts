import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { expect } from "chai";
import { ConfinedReadError, TargetRoot } from "../../../operator/collector/confinedRead.js";

/** A real directory tree standing in for a target's root (/proc/<pid>/root is one such). */
describe("TargetRoot: reads confined to a target's root (real files, symlinks, FIFOs, devices)", () => {
  let base: string;
  let rootDir: string;
  let root: TargetRoot;

  async function failure(p: Promise<unknown>): Promise<ConfinedReadError> {
    try {
      await p;
    } catch (e) {
      expect(e).to.be.instanceOf(ConfinedReadError);
      return e as ConfinedReadError;
    }
    expect.fail("expected a ConfinedReadError");
  }

  beforeEach(async () => {
    base = mkdtempSync(`${tmpdir()}/dgn-confined-`);
    rootDir = `${base}/root`;
    mkdirSync(`${rootDir}/etc`, { recursive: true });
    mkdirSync(`${rootDir}/tmp/d`, { recursive: true });
    mkdirSync(`${rootDir}/opt/jdk-21/bin`, { recursive: true });
    writeFileSync(`${rootDir}/etc/hostname`, "inside\n");
    writeFileSync(`${rootDir}/opt/jdk-21/release`, 'JAVA_VERSION="21"\n');
    writeFileSync(`${base}/outside-secret`, "outside\n");
    root = await TargetRoot.open(rootDir);
  });

  afterEach(async () => {
    await root.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("reads a plain file, and follows links that stay inside (absolute and relative)", async () => {
    expect((await root.readFile("/etc/hostname", 100)).toString()).to.equal("inside\n");
    symlinkSync("/opt/jdk-21", `${rootDir}/opt/java`);
    symlinkSync("../opt/java/release", `${rootDir}/etc/java-release`);
    expect(await root.readTextIfExists("/etc/java-release", 100)).to.equal('JAVA_VERSION="21"\n');
    expect(await root.readTextIfExists("/opt/java/bin/../release", 100)).to.equal(
      'JAVA_VERSION="21"\n',
    );
  });

  it("an absolute symlink to a path outside resolves against the target's root", async () => {
    symlinkSync(`${base}/outside-secret`, `${rootDir}/tmp/d/abs`);
    const e = await failure(root.readFile("/tmp/d/abs", 100));
    expect(e.code).to.equal("ENOENT");
    // The same link target, present inside the root, is what gets read.
    mkdirSync(`${rootDir}${base}`, { recursive: true });
    writeFileSync(`${rootDir}${base}/outside-secret`, "decoy inside\n");
    expect((await root.readFile("/tmp/d/abs", 100)).toString()).to.equal("decoy inside\n");
  });

  it("/etc/hostname through an absolute link is the target's own, not the host's", async () => {
    symlinkSync("/etc/hostname", `${rootDir}/tmp/d/host`);
    expect((await root.readFile("/tmp/d/host", 100)).toString()).to.equal("inside\n");
  });

  it("`..` (in the path and in relative links) stops at the root", async () => {
    symlinkSync("../../../../../../../outside-secret", `${rootDir}/tmp/d/rel`);
    expect((await failure(root.readFile("/tmp/d/rel", 100))).code).to.equal("ENOENT");
    expect((await failure(root.readFile("/../../outside-secret", 100))).code).to.equal("ENOENT");
    expect((await root.readFile("/../../../etc/hostname", 100)).toString()).to.equal("inside\n");
    // A directory link that climbs out lands on the root, so ../etc is the target's /etc.
    symlinkSync("../../../../..", `${rootDir}/tmp/d/up`);
    expect((await root.readFile("/tmp/d/up/etc/hostname", 100)).toString()).to.equal("inside\n");
  });

  it("a symlink loop is refused", async () => {
    symlinkSync("b", `${rootDir}/tmp/a`);
    symlinkSync("a", `${rootDir}/tmp/b`);
    expect((await failure(root.readFile("/tmp/a", 100))).code).to.equal("ELOOP");
  });

  it("a FIFO is refused without blocking, a device node and a directory too", async () => {
    expect(spawnSync("mkfifo", [`${rootDir}/tmp/d/fifo`]).status).to.equal(0);
    const fifo = await failure(root.readFile("/tmp/d/fifo", 100));
    expect(fifo.code).to.equal("ENOTREG");
    expect(fifo.message).to.match(/not a regular file \(fifo\)/);
    symlinkSync("/tmp/d/fifo", `${rootDir}/tmp/d/to-fifo`);
    expect((await failure(root.readFile("/tmp/d/to-fifo", 100))).code).to.equal("ENOTREG");
    // Root may make device nodes here; where it cannot (nodev, no CAP_MKNOD) that case is skipped.
    if (spawnSync("mknod", [`${rootDir}/tmp/d/zero`, "c", "1", "5"]).status === 0) {
      const zero = await failure(root.readFile("/tmp/d/zero", 100));
      expect(zero.message).to.match(/not a regular file \(character device\)/);
    }
    expect((await failure(root.readFile("/tmp", 100))).code).to.equal("ENOTREG");
  });

  it("a file larger than the cap is refused by its size; one at the cap is read", async () => {
    writeFileSync(`${rootDir}/tmp/big`, "");
    truncateSync(`${rootDir}/tmp/big`, 1024 * 1024 * 1024);
    const e = await failure(root.readFile("/tmp/big", 4096));
    expect(e.code).to.equal("EFBIG");
    writeFileSync(`${rootDir}/tmp/exact`, Buffer.alloc(4096, 1));
    expect(await root.readFile("/tmp/exact", 4096)).to.have.length(4096);
  });

  it("a missing file is undefined for readTextIfExists; a file under a non-directory is missing", async () => {
    expect(await root.readTextIfExists("/nope/x", 100)).to.equal(undefined);
    expect(await root.readTextIfExists("/etc/hostname/x", 100)).to.equal(undefined);
  });

  it("lists a directory (through links, confined), at most maxEntries names", async () => {
    for (let i = 0; i < 50; i++) writeFileSync(`${rootDir}/tmp/d/f${i}`, "");
    symlinkSync("/tmp/d", `${rootDir}/etc/dlink`);
    expect(
      (await root.listDir("/etc/dlink", 1000)).filter((n) => n.startsWith("f")),
    ).to.have.length(50);
    expect(await root.listDir("/tmp/d", 10)).to.have.length(10);
    expect(await root.listDir("/", 100)).to.include.members(["etc", "tmp", "opt"]);
    symlinkSync(base, `${rootDir}/etc/out`);
    expect((await failure(root.listDir("/etc/out", 10))).code).to.equal("ENOENT");
  });

  it("leaves no file descriptor open behind it", async () => {
    const { readdirSync, readlinkSync } = await import("node:fs");
    symlinkSync("/tmp/d", `${rootDir}/etc/dl`);
    const round = async (): Promise<void> => {
      await root.readFile("/etc/dl/../../etc/hostname", 100);
      await failure(root.readFile("/etc/dl/missing", 100));
      await root.listDir("/etc/dl", 5);
    };
    // Only descriptors on the target's tree count: the test runner's transpiler opens its cache
    // files in the background while the test runs.
    const openOnTarget = (): string[] =>
      readdirSync("/proc/self/fd").flatMap((fd) => {
        try {
          const to = readlinkSync(`/proc/self/fd/${fd}`);
          return to.startsWith(base) ? [to] : [];
        } catch {
          return [];
        }
      });
    const before = openOnTarget();
    for (let i = 0; i < 20; i++) await round();
    expect(openOnTarget()).to.deep.equal(before);
  });
});
