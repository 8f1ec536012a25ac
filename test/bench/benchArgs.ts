/** `npm run bench` options: pure argv -> options or a usage error. */

export const BENCH_NAMES = [
  "reaction",
  "memory",
  "burst",
  "collector",
  "flamegraph",
  "peers",
] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export interface BenchOptions {
  quick: boolean;
  /** Where to write the JSON results; undefined = don't. */
  jsonPath: string | undefined;
  only: ReadonlySet<BenchName>;
  /** Run the operator through tsx from the TypeScript sources instead of compiled. */
  operatorFromSource: boolean;
  /** Run tsc's per-file output of the operator instead of the shipped esbuild bundle. */
  operatorTsc: boolean;
  /** NODE_OPTIONS for the operator process; undefined = the chart's default. */
  operatorNodeOptions: string | undefined;
}

export type BenchArgsResult =
  | { kind: "options"; options: BenchOptions }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

const BENCH_USAGE = `Usage: npm run bench -- [--quick] [--json FILE] [--only a,b,...]
                          [--operator-from-source | --operator-tsc]
                          [--operator-node-options OPTS]

Runs the benchmarks against a real local control plane (hack/build-tools.sh binaries) and this
machine's kernel, prints a table and optionally writes the results as JSON.

  --quick          1,000 pods only, 200 finished Diagnoses, 50 reaction events, a 200-restart
                   burst over 20 workloads, each collector check once: under 3 minutes
  --json FILE      write the results to FILE
  --only a,b,...   run only these: ${BENCH_NAMES.join(", ")} (peers: inferno and
                   flamegraph.pl on the flame graph input, built or fetched into
                   ~/.cache/diagnose-operator the first time; with flamegraph, the ratios)
  --operator-from-source
                   run the operator with tsx from operator/**/*.ts; by default it is built
                   first as the minified esbuild bundle that npm run build and the image ship
                   (hack/bundle-operator.ts) and run as plain JS, which is what the memory
                   figures are meant to show
  --operator-tsc   run tsc's per-file output (tsc -p tsconfig.build.json) instead of the bundle
  --operator-node-options OPTS
                   NODE_OPTIONS for the operator process; default: the chart's nodeOptions
                   value (charts/diagnose-operator/values.yaml), "" for node's defaults
  -h, --help       this text
`;

export function parseBenchArgs(argv: readonly string[]): BenchArgsResult {
  let quick = false;
  let jsonPath: string | undefined;
  let only: Set<BenchName> = new Set(BENCH_NAMES);
  let operatorFromSource = false;
  let operatorTsc = false;
  let operatorNodeOptions: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "-h":
      case "--help":
        return { kind: "help", text: BENCH_USAGE };
      case "--quick":
        quick = true;
        break;
      case "--operator-from-source":
        operatorFromSource = true;
        break;
      case "--operator-tsc":
        operatorTsc = true;
        break;
      case "--operator-node-options": {
        const v = value();
        if (v === undefined)
          return { kind: "error", message: "--operator-node-options needs a value" };
        operatorNodeOptions = v;
        break;
      }
      case "--json": {
        const v = value();
        if (!v) return { kind: "error", message: "--json needs a file name" };
        jsonPath = v;
        break;
      }
      case "--only": {
        const v = value();
        if (!v) return { kind: "error", message: "--only needs a list of benchmarks" };
        const names = v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !(BENCH_NAMES as readonly string[]).includes(n));
        if (unknown.length > 0 || names.length === 0)
          return {
            kind: "error",
            message: `--only: unknown benchmark ${unknown.join(", ") || "(none)"}; known: ${BENCH_NAMES.join(", ")}`,
          };
        only = new Set(names as BenchName[]);
        break;
      }
      default:
        return { kind: "error", message: `unknown argument ${arg}` };
    }
  }
  if (operatorFromSource && operatorTsc)
    return {
      kind: "error",
      message: "--operator-from-source and --operator-tsc exclude each other",
    };
  return {
    kind: "options",
    options: { quick, jsonPath, only, operatorFromSource, operatorTsc, operatorNodeOptions },
  };
}

/** How big each benchmark is; --quick shrinks everything to stay under 3 minutes. */
export interface BenchPlan {
  /** Pod counts to measure reaction latency and operator memory at, ascending. */
  podCounts: number[];
  /** Finished Diagnoses with large statuses the memory bench adds after the pods (0: none). */
  finishedDiagnoses: number;
  reactionEvents: number;
  burst: { restarts: number; workloads: number; windowSeconds: number; nodes: number };
  collectorRuns: number;
  /** Sampling window of the collector's rate checks and of the baseline scripts. */
  sampleSeconds: number;
  flamegraph: { samples: number; runs: number };
}

export function benchPlan(quick: boolean): BenchPlan {
  return quick
    ? {
        podCounts: [1000],
        finishedDiagnoses: 200,
        reactionEvents: 50,
        burst: { restarts: 200, workloads: 20, windowSeconds: 10, nodes: 10 },
        collectorRuns: 1,
        sampleSeconds: 1,
        flamegraph: { samples: 100_000, runs: 1 },
      }
    : {
        podCounts: [1000, 10_000],
        finishedDiagnoses: 2000,
        reactionEvents: 200,
        burst: { restarts: 1000, workloads: 100, windowSeconds: 10, nodes: 10 },
        collectorRuns: 3,
        sampleSeconds: 1,
        flamegraph: { samples: 100_000, runs: 3 },
      };
}
