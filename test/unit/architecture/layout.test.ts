/**
 * The repository layout's import rules (test/README.md, "Layout rules"), checked on every import
 * of every .ts file under operator/, hack/ and test/ (type-only ones too). Imports are read with
 * TypeScript's own pre-processor, which sees `import`, `export ... from` and `import("literal")`.
 * A separate test (imports.test.ts) checks the folders inside operator/.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect } from "chai";
import ts from "typescript";
import { repoRoot } from "../../support/repoRoot.js";

/** The one module of hack/ that code under test/ may import. */
const DEVTOOLS = "hack/devtools.ts";

type Zone =
  | "operator"
  | "hack"
  | "test/support"
  | "test/bench"
  | "test/demo"
  | "test/unit"
  | "test/integration"
  | "test/scenarios"
  | "test/faults"
  | "test/guest"
  | "test/image"
  | "test/e2e";

/**
 * Which zones each zone may import, besides itself; "devtools" is hack/devtools.ts alone. No two
 * zones import each other: operator <- hack <- (devtools) <- test/support <- test/{bench,demo}
 * <- the suites (only test/unit imports the bench and demo, whose pure parts it tests).
 */
const ALLOWED: Record<Zone, readonly (Zone | "devtools")[]> = {
  operator: [],
  hack: ["operator"],
  "test/support": ["operator", "devtools"],
  "test/bench": ["operator", "devtools", "test/support"],
  "test/demo": ["operator", "devtools", "test/support"],
  "test/unit": ["operator", "devtools", "test/support", "test/bench", "test/demo"],
  "test/integration": ["operator", "devtools", "test/support"],
  "test/scenarios": ["operator", "devtools", "test/support"],
  "test/faults": ["operator", "devtools", "test/support"],
  "test/guest": ["operator", "devtools", "test/support"],
  "test/image": ["operator", "devtools", "test/support"],
  "test/e2e": ["operator", "devtools", "test/support"],
};

/** The zone of a repo-relative path, or undefined for files outside every zone. */
function zoneOf(path: string): Zone | undefined {
  const [top, second] = path.split("/");
  if (top === "operator" || top === "hack") return top;
  if (top !== "test" || second === undefined) return undefined;
  const zone = `test/${second}`;
  return zone in ALLOWED ? (zone as Zone) : undefined;
}

/** One import as repo-relative paths: `from` imports `to`. */
interface Edge {
  from: string;
  to: string;
}

/** Every edge that breaks the rules, as readable lines. */
function layoutViolations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const a = zoneOf(from);
    const b = zoneOf(to);
    if (a === undefined) {
      out.push(`${from}: outside operator/, hack/ and test/{${Object.keys(ALLOWED).join(",")}}`);
      continue;
    }
    if (b === undefined) {
      out.push(`${from} imports ${to}, which is in no zone of the layout`);
      continue;
    }
    if (a === b) continue;
    const allowed = ALLOWED[a];
    if (b === "hack" && a !== "hack" && to === DEVTOOLS && allowed.includes("devtools")) continue;
    if (allowed.includes(b)) continue;
    const entry = b === "hack" && allowed.includes("devtools") ? ` (only via ${DEVTOOLS})` : "";
    out.push(`${from} imports ${to}: ${a} may not import ${b}${entry}`);
  }
  return out;
}

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" ? [] : listTsFiles(path);
    return e.isFile() && e.name.endsWith(".ts") ? [path] : [];
  });
}

/** The repository's relative imports; those that resolve to no .ts file are returned apart. */
function readEdges(): { edges: Edge[]; files: number; unresolved: string[] } {
  const files = ["operator", "hack", "test"].flatMap((d) => listTsFiles(join(repoRoot, d)));
  const known = new Set(files);
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const from = relative(repoRoot, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue; // packages and node: built-ins
      const target = resolve(dirname(file), fileName.replace(/\.js$/, ".ts"));
      if (known.has(target)) edges.push({ from, to: relative(repoRoot, target) });
      else unresolved.push(`${from} imports ${fileName}, which is no .ts file in the repo`);
    }
  }
  return { edges, files: files.length, unresolved };
}

describe("repository layout: who may import whom", () => {
  const { edges, files, unresolved } = readEdges();

  it("reads the whole tree (every relative import resolves)", () => {
    expect(files).to.be.greaterThan(200);
    expect(edges.length).to.be.greaterThan(500);
    expect(unresolved).to.deep.equal([]);
  });

  it("every import follows the rules of test/README.md", () => {
    expect(layoutViolations(edges)).to.deep.equal([]);
  });

  it("code under test/ reaches hack/ only through hack/devtools.ts, which is used", () => {
    const intoHack = edges.filter((e) => e.from.startsWith("test/") && e.to.startsWith("hack/"));
    expect(intoHack.length, "some test imports the CRD generator").to.be.greaterThan(0);
    expect([...new Set(intoHack.map((e) => e.to))]).to.deep.equal([DEVTOOLS]);
  });

  it("no two zones import each other", () => {
    const pairs = new Set(
      edges
        .map((e) => [zoneOf(e.from), zoneOf(e.to)] as const)
        .filter(([a, b]) => a !== b)
        .map(([a, b]) => `${a} -> ${b}`),
    );
    const both = [...pairs].filter((p) => pairs.has(p.split(" -> ").reverse().join(" -> ")));
    expect(both).to.deep.equal([]);
  });

  it("catches a crossing: hack importing test, a test importing hack past devtools, bench importing demo", () => {
    expect(
      layoutViolations([
        { from: "hack/gen-crd.ts", to: "test/support/repoRoot.ts" },
        { from: "test/unit/crd/x.test.ts", to: "hack/crd/crdFromTypes.ts" },
        { from: "test/unit/crd/x.test.ts", to: DEVTOOLS },
        { from: "test/bench/main.ts", to: "test/demo/progress.ts" },
        { from: "operator/cli/main.ts", to: "test/support/waitFor.ts" },
        { from: "test/support/helm.ts", to: "test/unit/chart/x.ts" },
      ]),
    ).to.deep.equal([
      "hack/gen-crd.ts imports test/support/repoRoot.ts: hack may not import test/support",
      "test/unit/crd/x.test.ts imports hack/crd/crdFromTypes.ts: test/unit may not import hack (only via hack/devtools.ts)",
      "test/bench/main.ts imports test/demo/progress.ts: test/bench may not import test/demo",
      "operator/cli/main.ts imports test/support/waitFor.ts: operator may not import test/support",
      "test/support/helm.ts imports test/unit/chart/x.ts: test/support may not import test/unit",
    ]);
  });
});
