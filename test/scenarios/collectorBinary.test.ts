import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { CollectorReport } from "../../operator/report/collectorReport.js";
import type { JvmEvidence } from "../../operator/report/evidence/jvmEvidence.js";
import { cgroupV1Available, ScenarioCgroup } from "../support/faults/cgroupV1.js";
import { compileAlloc, startAllocJvm } from "../support/faults/jvm.js";
import { repoRoot } from "../support/repoRoot.js";
import { type CommandResult, runCommand } from "../support/runCommand.js";

const MiB = 1024 * 1024;

function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return runCommand(cmd, args, { timeoutMs: 120_000, ...opts });
}

/**
 * Runs the binary where no Node exists: a private mount namespace in which every `node` on the
 * host's PATH is masked with /dev/null (and proven not to run), a bare environment whose PATH
 * holds only the system directories, and a working directory outside the checkout, so no
 * node_modules is reachable either. A fixed script; the command comes as arguments.
 */
const WITHOUT_NODE = [
  "--mount",
  "--propagation",
  "private",
  "sh",
  "-c",
  [
    'for n in $(which -a node nodejs 2>/dev/null); do mount --bind /dev/null "$n"; done',
    'if node --version >/dev/null 2>&1; then echo "a node still runs here" >&2; exit 99; fi',
    'exec "$@"',
  ].join("\n"),
  "sh",
];

describe("dist/diagnose-collector: one executable file, no Node on the host", function () {
  this.timeout(240_000);
  let work: string;
  let binary: string;
  let classes: string | undefined;
  let cg: ScenarioCgroup | undefined;

  before(async function () {
    if (!cgroupV1Available()) {
      this.skip();
      return;
    }
    work = mkdtempSync(join(tmpdir(), "dgn-collector-binary-"));
    binary = join(work, "diagnose-collector");
    // What `npm run build` does for dist/diagnose-collector, into a directory of the test's own.
    const built = await run(
      join(repoRoot, "node_modules/.bin/tsx"),
      ["hack/build-collector-binary.ts", "--outfile", binary],
      {
        cwd: repoRoot,
      },
    );
    expect(built.exitCode, built.stderr).to.equal(0);
    classes = await compileAlloc();
  });

  after(async () => {
    await cg?.destroy();
    if (classes) rmSync(classes, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const bare = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/nonexistent", LANG: "C" };
  const collector = (args: readonly string[], input?: string) =>
    run("unshare", [...WITHOUT_NODE, binary, ...args], {
      cwd: work,
      env: bare,
      ...(input === undefined ? {} : { input }),
    });

  it("is one ELF file that embeds the collector", () => {
    const head = readFileSync(binary).subarray(0, 4);
    expect([...head]).to.deep.equal([0x7f, 0x45, 0x4c, 0x46]);
  });

  it("answers --version and --help without any node", async () => {
    const v = await collector(["--version"]);
    expect(v.exitCode, v.stderr).to.equal(0);
    expect(v.stdout.trim()).to.equal("0.1.0");
    const h = await collector(["--help"]);
    expect(h.stdout).to.include("--html FILE");
  });

  it("--pid N diagnoses a real JVM in a memory cgroup: JSON report, text and the HTML page", async () => {
    cg = await ScenarioCgroup.create("binary", { memoryLimitBytes: 512 * MiB });
    const jvm = await startAllocJvm(cg, classes!, { xmx: "128m", allocMiB: 16, holdSeconds: 90 });
    const page = join(work, "report.html");
    const r = await collector([
      "--pid",
      String(jvm.pid),
      "--checks",
      "memory,jvm,cpu",
      "--sample-seconds",
      "0",
      "--json",
      "--html",
      page,
    ]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout.trimEnd().split("\n").at(-1)!) as CollectorReport;
    expect(report.target.pids).to.include(jvm.pid);
    const data =
      report.checks.jvm?.status === "ok" ? (report.checks.jvm.data as JvmEvidence) : undefined;
    expect(data?.jvms[0]?.perf?.maxHeapBytes, "hsperfdata read by the binary").to.equal(128 * MiB);
    expect(report.findings.map((f) => f.code)).to.include("JvmHeapWithinLimit");
    const html = readFileSync(page, "utf8");
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.include('data-code="JvmHeapWithinLimit"');
    expect(r.stderr).to.include(`wrote ${page}`);
  });

  it("flamegraph renders collapsed stacks from stdin", async () => {
    const r = await collector(["flamegraph", "--title", "binary"], "main;work 3\nmain;idle 1\n");
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^<\?xml/);
    expect(r.stdout).to.include(">work<");
  });

  it("the namespace it runs in has no node, though this host has one", async function () {
    const outside = await run("sh", ["-c", "node --version"], { env: bare });
    if (outside.exitCode !== 0) this.skip();
    const inside = await run("unshare", [...WITHOUT_NODE, "sh", "-c", "node --version"], {
      env: bare,
    });
    expect(inside.exitCode).to.not.equal(0);
  });
});
