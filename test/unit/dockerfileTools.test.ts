/**
 * The container image must hold every external command the collector can run. This scans the
 * collector sources with the TypeScript checker for CommandRunner.run(...) call sites (and the
 * command nsenter runs inside a namespace), maps each command to the Debian package that ships it,
 * and checks the Dockerfile's runtime stage installs that package.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  type CommandScan,
  ESSENTIAL_PACKAGES,
  scanCollectorCommands,
  scanCommands,
  TOOL_PACKAGES,
} from "../support/collectorCommands.js";
import { repoRoot } from "../support/controlPlane.js";

/** Packages the given stage of a Dockerfile installs with apt-get, and whether without recommends. */
function parseAptInstalls(
  dockerfile: string,
  stage: string,
): { packages: string[]; noRecommends: boolean } {
  const joined = dockerfile.replace(/\\\r?\n/g, " ");
  const lines = joined.split(/\r?\n/);
  const start = lines.findIndex((l) =>
    new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage}\\s*$`, "i").test(l),
  );
  if (start < 0) throw new Error(`no stage ${stage}`);
  const end = lines.findIndex((l, i) => i > start && /^FROM\s/i.test(l));
  const packages: string[] = [];
  let installs = 0;
  let noRecommends = true;
  for (const line of lines.slice(start, end < 0 ? undefined : end)) {
    if (!/^RUN\s/i.test(line)) continue;
    for (const cmd of line.replace(/^RUN\s+/i, "").split(/&&|;/)) {
      const words = cmd.trim().split(/\s+/);
      if (words[0] !== "apt-get" || words[1] !== "install") continue;
      installs++;
      if (!words.includes("--no-install-recommends")) noRecommends = false;
      packages.push(...words.slice(2).filter((w) => !w.startsWith("-") && !w.startsWith("#")));
    }
  }
  return { packages, noRecommends: installs > 0 && noRecommends };
}

const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
let collectorScan: CommandScan | undefined;
const scanCollector = (): CommandScan => {
  collectorScan ??= scanCollectorCommands(repoRoot);
  return collectorScan;
};

describe("Dockerfile", () => {
  it("builds on node:24-bookworm-slim in two stages and runs as 65532 with the three bins", () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)/gim)].map((m) => m[2]);
    expect(froms).to.deep.equal(["build", "runtime"]);
    expect(dockerfile).to.match(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(dockerfile).to.match(/npm ci\b/);
    expect(dockerfile).to.match(/npm run build/);
    expect(dockerfile).to.match(/npm prune --omit=dev/);
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).to.equal("65532:65532");
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    for (const [bin, target] of Object.entries(pkg.bin)) {
      expect(dockerfile, bin).to.include(
        `ln -s /opt/diagnose-operator/${target} /usr/local/bin/${bin}`,
      );
      expect(dockerfile, `chmod ${target}`).to.match(new RegExp(`chmod 0755 .*${target}`));
    }
  });

  it("installs its runtime packages with --no-install-recommends", () => {
    const { packages, noRecommends } = parseAptInstalls(dockerfile, "runtime");
    expect(noRecommends).to.equal(true);
    expect(packages).to.include.members(["iproute2", "iptables", "nftables", "conntrack"]);
  });

  it("installs the package of every command the collector runs", () => {
    const scan = scanCollector();
    expect(scan.commands.map((c) => c.command)).to.include.members(["nsenter", "perf"]);
    expect(
      scan.unresolved,
      "commands must be string literals or literal unions so this check can see them",
    ).to.deep.equal([]);
    const installed = new Set([
      ...parseAptInstalls(dockerfile, "runtime").packages,
      ...ESSENTIAL_PACKAGES,
    ]);
    const problems = scan.commands.flatMap(({ command, file, line }) => {
      const pkg = TOOL_PACKAGES[command];
      if (!pkg) return [`${file}:${line}: ${command}: not in TOOL_PACKAGES (add its package)`];
      return installed.has(pkg)
        ? []
        : [`${file}:${line}: ${command}: package ${pkg} not installed`];
    });
    expect(problems).to.deep.equal([]);
  });

  it("installs nothing the collector does not run (beyond util-linux and procps basics)", () => {
    const scan = scanCollector();
    const needed = new Set(scan.commands.map((c) => TOOL_PACKAGES[c.command]));
    const extra = parseAptInstalls(dockerfile, "runtime").packages.filter(
      (p) => !needed.has(p) && !ESSENTIAL_PACKAGES.has(p) && p !== "procps",
    );
    expect(extra, "remove these or make the collector use them").to.deep.equal([]);
  });

  describe("command scanner", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "cmd-scan-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("finds literal, literal-union, nsenter-wrapped and direct spawn commands; flags unknown ones", () => {
      const collector = join(dir, "collector");
      mkdirSync(collector);
      // The scanner recognises the runner by its declaration file, collector/commandRunner.ts.
      writeFileSync(
        join(collector, "commandRunner.ts"),
        "export interface CommandRunner { run(command: string, args: readonly string[]): Promise<string>; }\n",
      );
      writeFileSync(
        join(collector, "probe.ts"),
        [
          'import { execFile } from "node:child_process";',
          'import type { CommandRunner } from "./commandRunner.js";',
          'type Fw = "nft" | "iptables-save";',
          "export async function probe(runner: CommandRunner, fw: Fw, pid: number, any: string) {",
          '  await runner.run("ip", ["-j", "link"]);',
          "  await runner.run(fw, []);",
          '  await runner.run("nsenter", ["-t", String(pid), "-n", "--", "ss", "-tan"]);',
          "  await runner.run(any, []);",
          '  await inNetns(runner, "tc", ["qdisc"]);',
          '  await inNetns(runner, "nft", ["list"]);',
          '  execFile("conntrack", ["-S"]);',
          "}",
          "async function inNetns(runner: CommandRunner, tool: string, args: string[]) {",
          '  return runner.run("nsenter", [`--net=/proc/1/ns/net`, "--", tool, ...args]);',
          "}",
          "",
        ].join("\n"),
      );
      const scan = scanCommands(
        [join(collector, "probe.ts"), join(collector, "commandRunner.ts")],
        dir,
      );
      expect(scan.commands.map((c) => c.command)).to.deep.equal([
        "ip",
        "nft",
        "iptables-save",
        "nsenter",
        "ss",
        "conntrack",
        "nsenter",
        "tc",
        "nft",
      ]);
      expect(scan.commands[0]).to.include({ file: "collector/probe.ts", line: 5 });
      expect(scan.unresolved).to.deep.equal([{ file: "collector/probe.ts", line: 8, text: "any" }]);
    });
  });

  it("maps each command to the package dpkg says owns it on this Debian machine", function () {
    if (spawnSync("dpkg", ["--version"]).status !== 0) this.skip();
    const tools = Object.keys(TOOL_PACKAGES);
    const located = spawnSync(
      "bash",
      [
        "-c",
        'for t in "$@"; do p=$(command -v -- "$t") && echo "$t $p $(readlink -f "$p")"; done',
        "_",
        ...tools,
      ],
      { encoding: "utf8" },
    ).stdout;
    // /usr/sbin/x may be registered as /sbin/x (usrmerge), be a symlink, or a dpkg diversion.
    const pathsOf = new Map<string, string[]>();
    for (const line of located.trim().split("\n")) {
      const [tool, path, real] = line.split(" ");
      if (!tool || !path?.startsWith("/") || !real) continue;
      pathsOf.set(tool, [
        ...new Set([path, path.replace(/^\/usr/, ""), real, real.replace(/^\/usr/, "")]),
      ]);
    }
    const dpkg = spawnSync("dpkg", ["-S", ...new Set([...pathsOf.values()].flat())], {
      encoding: "utf8",
    }).stdout;
    const ownersOf = new Map<string, Set<string>>();
    for (const m of dpkg.matchAll(
      /^(?:diversion by )?([a-z0-9.+-]+)(?::[a-z0-9]+)?(?: from)?: (\/\S+)$/gm,
    )) {
      const [, pkg, path] = m as unknown as [string, string, string];
      ownersOf.set(path, (ownersOf.get(path) ?? new Set()).add(pkg));
    }
    const checked: string[] = [];
    for (const [tool, paths] of pathsOf) {
      const owners = paths.flatMap((p) => [...(ownersOf.get(p) ?? [])]);
      if (owners.length === 0) continue;
      expect(owners, `${tool} (${paths.join(", ")})`).to.include(TOOL_PACKAGES[tool]);
      checked.push(tool);
    }
    expect(checked.length, "commands verified against dpkg").to.be.greaterThan(10);
  });
});
