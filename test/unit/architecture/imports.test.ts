/**
 * The dependency direction of operator/, checked on every import (type-only ones included, since
 * they tie the contract just as much): no cycle between files, and a folder imports only the
 * folders the table below allows. Imports are read with TypeScript's own pre-processor, which
 * sees `import`, `export ... from` and `import("literal")`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import ts from "typescript";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const OPERATOR = join(REPO_ROOT, "operator");

/**
 * Which top-level folders of operator/ each folder may import. The report folder is the contract
 * the collector, the operator and the CLI agree on; only the collector touches the target.
 */
const ALLOWED_IMPORTS: Record<string, readonly string[]> = {
  api: [],
  report: ["api"],
  analysis: ["api", "report"],
  // The collector binary also hosts `diagnose-collector flamegraph` and `--html`.
  collector: ["api", "report", "analysis", "flamegraph", "reportpage"],
  flamegraph: ["report"],
  // The HTML report page: pure, given the flame graph renderer by its caller (the CLI loads it
  // at run time, see RUNTIME_IMPORTS), so it does not import operator/flamegraph itself.
  reportpage: ["api", "report", "analysis"],
  controller: ["api", "report", "analysis"],
  cli: ["api", "report", "analysis", "reportpage"],
};

/**
 * Imports whose specifier is computed at run time, which no static check can follow: each is
 * listed here with why. The CLI loads the flame-graph renderer this way so that a build without
 * operator/flamegraph still has a plugin whose flamegraph command says it is not available.
 */
const RUNTIME_IMPORTS: Record<string, string> = {
  "operator/cli/flameGraphExport.ts": "optional renderer, operator/flamegraph/renderFlameGraph.ts",
};

/** file (relative to the repo) -> files it imports (relative to the repo). */
type ImportGraph = Map<string, string[]>;

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return listTsFiles(path);
    return e.isFile() && e.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * Reads operator/ into a graph; relative imports that resolve to no file, and files with an
 * `import(expression)`, are returned apart.
 */
function readImportGraph(): { graph: ImportGraph; unresolved: string[]; computed: string[] } {
  const files = listTsFiles(OPERATOR);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  const unresolved: string[] = [];
  const computed: string[] = [];
  for (const file of files) {
    const from = relative(REPO_ROOT, file);
    const source = readFileSync(file, "utf8");
    if (/\bimport\s*\(\s*[^"'\s)]/.test(source)) computed.push(from);
    const { importedFiles } = ts.preProcessFile(source, true, true);
    const targets: string[] = [];
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue; // packages and node: built-ins
      const target = resolve(dirname(file), fileName.replace(/\.js$/, ".ts"));
      if (known.has(target)) targets.push(relative(REPO_ROOT, target));
      else unresolved.push(`${from} imports ${fileName}, which is no .ts file under operator/`);
    }
    graph.set(from, targets);
  }
  return { graph, unresolved, computed };
}

/** "operator/<folder>/..." -> "<folder>". */
function topFolder(file: string): string {
  return file.split("/")[1] ?? "";
}

/** Every import that crosses folders against ALLOWED_IMPORTS, as readable lines. */
function folderViolations(
  graph: ImportGraph,
  allowed: Record<string, readonly string[]>,
): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const a = topFolder(from);
    if (!(a in allowed)) {
      out.push(`${from}: folder operator/${a} has no row in ALLOWED_IMPORTS`);
      continue;
    }
    for (const to of targets) {
      const b = topFolder(to);
      if (a !== b && !allowed[a]!.includes(b)) out.push(`${a} -> ${b}: ${from} imports ${to}`);
    }
  }
  return out.sort();
}

/**
 * Import cycles: each strongly connected component of more than one file (or a file importing
 * itself), shown as one concrete loop through it. Tarjan's algorithm, iterative.
 */
function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(loopThrough(graph, component));
      }
    }
  }
  return components;
}

/** A shortest loop from the component's first file back to itself, staying in the component. */
function loopThrough(graph: ImportGraph, component: string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

describe("operator/ import architecture", () => {
  const { graph, unresolved, computed } = readImportGraph();

  it("reads every .ts file and resolves every relative import", () => {
    expect(graph.size).to.be.greaterThan(50);
    if (unresolved.length > 0) expect.fail(`unresolved imports:\n  ${unresolved.join("\n  ")}`);
  });

  it("computes an import specifier only where RUNTIME_IMPORTS says why", () => {
    expect([...computed].sort()).to.deep.equal(Object.keys(RUNTIME_IMPORTS).sort());
  });

  it("has no import cycle between files", () => {
    const cycles = findCycles(graph).map((loop) => loop.join("\n    -> "));
    if (cycles.length > 0) expect.fail(`import cycles:\n  ${cycles.join("\n  ")}`);
  });

  it("imports across folders only as ALLOWED_IMPORTS says", () => {
    const violations = folderViolations(graph, ALLOWED_IMPORTS);
    if (violations.length > 0)
      expect.fail(`imports against ALLOWED_IMPORTS:\n  ${violations.join("\n  ")}`);
  });

  it("the folder table itself has no cycle", () => {
    const folders: ImportGraph = new Map(
      Object.entries(ALLOWED_IMPORTS).map(([k, v]) => [
        `operator/${k}`,
        v.map((f) => `operator/${f}`),
      ]),
    );
    expect(findCycles(folders)).to.deep.equal([]);
  });
});

describe("the import checks catch what they are for", () => {
  const g = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

  it("finds a two-file cycle and a longer one, and names the loop", () => {
    const cycles = findCycles(
      g({
        "operator/a/x.ts": ["operator/a/y.ts"],
        "operator/a/y.ts": ["operator/a/x.ts"],
        "operator/b/p.ts": ["operator/b/q.ts"],
        "operator/b/q.ts": ["operator/b/r.ts"],
        "operator/b/r.ts": ["operator/b/p.ts", "operator/a/x.ts"],
      }),
    );
    expect(cycles).to.deep.equal([
      ["operator/a/x.ts", "operator/a/y.ts", "operator/a/x.ts"],
      ["operator/b/p.ts", "operator/b/q.ts", "operator/b/r.ts", "operator/b/p.ts"],
    ]);
  });

  it("finds a file importing itself, and nothing in a tree", () => {
    expect(findCycles(g({ "operator/a/x.ts": ["operator/a/x.ts"] }))).to.deep.equal([
      ["operator/a/x.ts", "operator/a/x.ts"],
    ]);
    expect(
      findCycles(
        g({
          "operator/a/x.ts": ["operator/a/y.ts", "operator/a/z.ts"],
          "operator/a/y.ts": ["operator/a/z.ts"],
          "operator/a/z.ts": [],
        }),
      ),
    ).to.deep.equal([]);
  });

  it("flags an import against the table and a folder missing from it", () => {
    const violations = folderViolations(
      g({
        "operator/report/r.ts": ["operator/collector/c.ts", "operator/api/a.ts"],
        "operator/extra/e.ts": [],
      }),
      { report: ["api"], collector: [], api: [] },
    );
    expect(violations).to.deep.equal([
      "operator/extra/e.ts: folder operator/extra has no row in ALLOWED_IMPORTS",
      "report -> collector: operator/report/r.ts imports operator/collector/c.ts",
    ]);
  });
});
