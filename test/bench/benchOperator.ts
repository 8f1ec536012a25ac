/**
 * The operator process as the bench runs it: test/support/operatorProcess.ts with the bench probe
 * (operatorProbe.ts: request counts, heap after a forced GC) preloaded and its port to read it.
 * Compiled (the bundle or tsc's output, see operatorBuild.ts) or from source under tsx, which
 * adds tsx's in-memory transpiler to its RSS.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, localGet, OperatorProcess } from "../support/operatorProcess.js";

const PROBE_SOURCE = fileURLToPath(new URL("./operatorProbe.ts", import.meta.url));

/** What to run: a compiled build with the probe bundled to JS, or the TypeScript sources. */
export type BenchOperatorCode =
  | { kind: "compiled"; mainJs: string; probeJs: string }
  | { kind: "source" };

export interface ProbeSnapshot {
  requests: number;
  byRoute: Record<string, number>;
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
}

export class BenchOperator {
  private constructor(
    readonly process: OperatorProcess,
    private readonly probePort: number,
  ) {}

  static async start(opts: {
    kubeconfigPath: string;
    namespace: string;
    logPath: string;
    args: string[];
    code: BenchOperatorCode;
    nodeOptions?: string;
    /** More environment for the process (the chart's MALLOC_ARENA_MAX). */
    env?: Record<string, string>;
  }): Promise<BenchOperator> {
    const { code, env, ...rest } = opts;
    const probePort = await freePort();
    const probe = code.kind === "compiled" ? pathToFileURL(code.probeJs).href : PROBE_SOURCE;
    const process = await OperatorProcess.start({
      ...rest,
      code: code.kind === "compiled" ? { kind: "compiled", mainJs: code.mainJs } : code,
      nodeArgs: ["--expose-gc", "--import", probe],
      env: { ...env, BENCH_PROBE_PORT: String(probePort) },
    });
    return new BenchOperator(process, probePort);
  }

  /** The probe's counters; with `gc` after a forced GC (the live heap). */
  async probe(gc = false): Promise<ProbeSnapshot> {
    const r = await localGet(this.probePort, gc ? "/?gc=1" : "/");
    return JSON.parse(r.text) as ProbeSnapshot;
  }
}
