/**
 * The container image must hold every external command the collector can run. This scans the
 * collector sources with the TypeScript checker for CommandRunner.run/stream(...) call sites (and the
 * command nsenter runs inside a namespace), maps each command to the Debian package that ships it,
 * and checks the Dockerfile's runtime stage installs that package.
 */
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { expect } from "chai";
import ts from "typescript";
import { repoRoot } from "../support/controlPlane.js";

/**
 * Command -> Debian bookworm package. Checked against `dpkg -S` on this Debian 12 machine for
 * every command installed here (see the last test).
 */
const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  ip: "iproute2",
  tc: "iproute2",
  ss: "iproute2",
  nstat: "iproute2",
  bridge: "iproute2",
  iptables: "iptables",
  "iptables-save": "iptables",
  "ip6tables-save": "iptables",
  "iptables-legacy-save": "iptables",
  "iptables-nft-save": "iptables",
  "ip6tables-legacy-save": "iptables",
  "ip6tables-nft-save": "iptables",
  nft: "nftables",
  conntrack: "conntrack",
  perf: "linux-perf",
  ps: "procps",
  pgrep: "procps",
  pidstat: "sysstat",
  sysctl: "procps",
  top: "procps",
  nsenter: "util-linux",
  lsns: "util-linux",
  dmesg: "util-linux",
  ethtool: "ethtool",
  netstat: "net-tools",
  lsof: "lsof",
  cat: "coreutils",
};

/** Essential packages of Debian bookworm: present in every image built on it. */
const ESSENTIAL_PACKAGES = new Set(["coreutils", "util-linux", "bash", "dash", "grep", "sed"]);

/** nsenter options that take the next argument as their value. */
const NSENTER_VALUE_OPTIONS = new Set([
  "-t",
  "--target",
  "-S",
  "--setuid",
  "-G",
  "--setgid",
  "-w",
  "--wd",
  "-r",
  "--root",
]);

interface CommandSite {
  command: string;
  file: string;
  line: number;
}

interface CommandScan {
  commands: CommandSite[];
  /** Call sites whose command is not a string literal (or a union of literals). */
  unresolved: { file: string; line: number; text: string }[];
}

function literalValues(checker: ts.TypeChecker, node: ts.Expression): string[] | undefined {
  if (ts.isStringLiteralLike(node)) return [node.text];
  const type = checker.getTypeAtLocation(node);
  const parts = type.isUnion() ? type.types : [type];
  const values: string[] = [];
  for (const t of parts) {
    if (!t.isStringLiteral()) return undefined;
    values.push(t.value);
  }
  return values;
}

function isRunnerRun(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (
    !ts.isPropertyAccessExpression(callee) ||
    (callee.name.text !== "run" && callee.name.text !== "stream")
  )
    return false;
  const symbol = checker.getSymbolAtLocation(callee.name);
  return (symbol?.declarations ?? []).some((d) =>
    d.getSourceFile().fileName.endsWith("/collector/commandRunner.ts"),
  );
}

function isChildProcessCall(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const symbol = checker.getSymbolAtLocation(
    ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression,
  );
  const target =
    symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  if (!target || !/^(spawn|spawnSync|execFile|execFileSync|exec|execSync)$/.test(target.name))
    return false;
  return (target.declarations ?? []).some((d) =>
    d.getSourceFile().fileName.includes("@types/node/child_process.d.ts"),
  );
}

interface Resolved {
  values: { command: string; node: ts.Node }[];
  unresolved: ts.Node[];
}

/** The declaration callers reach a function-like node through (the variable, for arrows). */
function declarationOf(fn: ts.Node): ts.Node {
  return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) &&
    ts.isVariableDeclaration(fn.parent)
    ? fn.parent
    : fn;
}

function calleeSymbol(checker: ts.TypeChecker, call: ts.CallExpression): ts.Symbol | undefined {
  const callee = ts.isPropertyAccessExpression(call.expression)
    ? call.expression.name
    : call.expression;
  const symbol = checker.getSymbolAtLocation(callee);
  return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/**
 * The string values an argument can take: a literal or literal-union type, or, for a wrapper's
 * parameter (`output(tool: string, ...)`), whatever every caller passes for it.
 */
function resolveStrings(
  checker: ts.TypeChecker,
  callsOf: Map<ts.Node, ts.CallExpression[]>,
  expr: ts.Expression,
  depth = 0,
): Resolved {
  const literal = literalValues(checker, expr);
  if (literal)
    return { values: literal.map((command) => ({ command, node: expr })), unresolved: [] };
  const symbol = ts.isIdentifier(expr) ? checker.getSymbolAtLocation(expr) : undefined;
  const param = symbol?.valueDeclaration;
  if (depth > 5 || !param || !ts.isParameter(param) || param.dotDotDotToken)
    return { values: [], unresolved: [expr] };
  const fn = param.parent;
  // Keyed by declaration: member access through a readonly property yields transient symbols.
  const calls = callsOf.get(declarationOf(fn)) ?? [];
  if (calls.length === 0) return { values: [], unresolved: [expr] };
  const index = fn.parameters.indexOf(param);
  const out: Resolved = { values: [], unresolved: [] };
  for (const call of calls) {
    const arg = call.arguments[index];
    if (!arg) {
      out.unresolved.push(call);
      continue;
    }
    const r = resolveStrings(checker, callsOf, arg, depth + 1);
    out.values.push(...r.values);
    out.unresolved.push(...r.unresolved);
  }
  return out;
}

/** The command nsenter runs: the first argument that is not an option or an option's value. */
function nsenterInner(
  checker: ts.TypeChecker,
  callsOf: Map<ts.Node, ts.CallExpression[]>,
  args: ts.Expression | undefined,
): Resolved {
  if (!args || !ts.isArrayLiteralExpression(args))
    return { values: [], unresolved: args ? [args] : [] };
  let skipNext = false;
  for (const el of args.elements) {
    if (skipNext) {
      skipNext = false;
      continue;
    }
    if (ts.isSpreadElement(el)) continue;
    const values = literalValues(checker, el);
    // Options are literals or templates (`--net=${path}`); the command is the first other word.
    const option = ts.isTemplateExpression(el)
      ? el.head.text
      : values?.length === 1
        ? values[0]
        : undefined;
    if (option?.startsWith("-")) {
      if (NSENTER_VALUE_OPTIONS.has(option)) skipNext = true;
      continue;
    }
    return resolveStrings(checker, callsOf, el);
  }
  return { values: [], unresolved: [args] };
}

function scanCommands(rootFiles: readonly string[], baseDir: string): CommandScan {
  const program = ts.createProgram(rootFiles, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const roots = new Set(rootFiles.map((f) => resolve(f)));
  const sources = program.getSourceFiles().filter((sf) => roots.has(resolve(sf.fileName)));

  const calls: ts.CallExpression[] = [];
  const callsOf = new Map<ts.Node, ts.CallExpression[]>();
  for (const sf of sources) {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        calls.push(node);
        for (const decl of calleeSymbol(checker, node)?.declarations ?? [])
          callsOf.set(decl, [...(callsOf.get(decl) ?? []), node]);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  const where = (n: ts.Node) => {
    const sf = n.getSourceFile();
    return {
      file: relative(baseDir, sf.fileName),
      line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1,
    };
  };
  const scan: CommandScan = { commands: [], unresolved: [] };
  const add = (r: Resolved, prefix = ""): void => {
    for (const v of r.values) scan.commands.push({ command: v.command, ...where(v.node) });
    for (const n of r.unresolved) scan.unresolved.push({ ...where(n), text: prefix + n.getText() });
  };
  for (const call of calls) {
    const file = call.getSourceFile().fileName;
    const isRun = isRunnerRun(checker, call);
    // commandRunner.ts itself spawns whatever it is given.
    const isSpawn = !file.endsWith("/commandRunner.ts") && isChildProcessCall(checker, call);
    const [cmd, args] = call.arguments;
    if (!(isRun || isSpawn) || !cmd) continue;
    const resolved = resolveStrings(checker, callsOf, cmd);
    add(resolved);
    if (resolved.values.some((v) => v.command === "nsenter"))
      add(nsenterInner(checker, callsOf, args), "nsenter ");
  }
  return scan;
}

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

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && statSync(f).isFile());
}

const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
let collectorScan: CommandScan | undefined;
const scanCollector = (): CommandScan => {
  collectorScan ??= scanCommands(tsFilesUnder(join(repoRoot, "operator", "collector")), repoRoot);
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
