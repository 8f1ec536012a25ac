/**
 * The external commands the collector can run, found with the TypeScript checker: every
 * CommandRunner.run/stream(...) and child_process call site under operator/collector (and the command
 * nsenter runs inside a namespace), with the Debian package that ships each command. Used by the
 * Dockerfile's unit test (the runtime stage installs those packages) and the image test (the
 * built image has those commands).
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * Command -> Debian bookworm package. Checked against `dpkg -S` on this Debian 12 machine for
 * every command installed here (see the last test).
 */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
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
export const ESSENTIAL_PACKAGES = new Set([
  "coreutils",
  "util-linux",
  "bash",
  "dash",
  "grep",
  "sed",
]);

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

export interface CommandSite {
  command: string;
  file: string;
  line: number;
}

export interface CommandScan {
  commands: CommandSite[];
  /** Call sites whose command is not a string literal (or a union of literals). */
  unresolved: { file: string; line: number; text: string }[];
}

/**
 * `runner.run(command, ...)` inside a CommandRunner's own `run(command, ...)` (or `stream`): a
 * runner that forwards its caller's command unchanged (runChecks ties each check's commands to its
 * timeout this way). Its commands are those its callers pass, each scanned at its own site.
 */
function forwardsOwnCommand(checker: ts.TypeChecker, cmd: ts.Expression): boolean {
  const param = ts.isIdentifier(cmd)
    ? checker.getSymbolAtLocation(cmd)?.valueDeclaration
    : undefined;
  if (!param || !ts.isParameter(param)) return false;
  const fn = param.parent;
  if (fn.parameters.indexOf(param) !== 0) return false;
  const holder = ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) ? fn.parent : fn;
  const name =
    ts.isPropertyAssignment(holder) || ts.isMethodDeclaration(holder) ? holder.name : undefined;
  return (
    name !== undefined && ts.isIdentifier(name) && (name.text === "run" || name.text === "stream")
  );
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

export function scanCommands(rootFiles: readonly string[], baseDir: string): CommandScan {
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
    if (isRun && forwardsOwnCommand(checker, cmd)) continue;
    const resolved = resolveStrings(checker, callsOf, cmd);
    add(resolved);
    if (resolved.values.some((v) => v.command === "nsenter"))
      add(nsenterInner(checker, callsOf, args), "nsenter ");
  }
  return scan;
}

export function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && statSync(f).isFile());
}

/** The commands the sources under `<repo>/operator/collector` run. */
export function scanCollectorCommands(repo: string): CommandScan {
  return scanCommands(tsFilesUnder(join(repo, "operator", "collector")), repo);
}
