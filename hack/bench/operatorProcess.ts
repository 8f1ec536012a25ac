/**
 * The operator as a real child process, with the bench probe preloaded (request counts, heap),
 * its JSON log to a file, and helpers to read its /readyz, /metrics and /proc/<pid>/status.
 * It runs either compiled (`node <build>/operator/controller/main.js`, as in production; see
 * operatorBuild.ts) or from source (`node --import tsx operator/controller/main.ts`, which adds
 * tsx's in-memory transpiler to its RSS).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { metricValue } from "./prometheusText.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PROBE = fileURLToPath(new URL("./operatorProbe.ts", import.meta.url));

/** What to run: a compiled build, or the TypeScript sources through tsx. */
export type OperatorCode =
  | { kind: "compiled"; mainJs: string; probeJs: string }
  | { kind: "source" };

export function operatorNodeArgs(code: OperatorCode): string[] {
  return code.kind === "compiled"
    ? ["--expose-gc", "--import", pathToFileURL(code.probeJs).href, code.mainJs]
    : ["--expose-gc", "--import", "tsx", "--import", PROBE, "operator/controller/main.ts"];
}

export interface ProbeSnapshot {
  requests: number;
  byRoute: Record<string, number>;
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS (or VmHWM) of a process from /proc/<pid>/status, in bytes. */
export async function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

async function localGet(port: number, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

/**
 * Until the operator child's /readyz answers 200 (caches synced) and diagnose_operator_leader is
 * 1 on its /metrics; the milliseconds that took. Used by the bench and the demo.
 */
export async function waitReadyAndLeader(
  child: ChildProcess,
  metricsPort: number,
  logPath: string,
  timeoutMs: number,
  intervalMs: number,
): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`operator exited ${child.exitCode}; log: ${logPath}`);
    try {
      const ready = await localGet(metricsPort, "/readyz");
      last = `readyz ${ready.status}: ${ready.text.trim().replaceAll("\n", "; ")}`;
      if (ready.status === 200) {
        const metrics = await localGet(metricsPort, "/metrics");
        const leader = metricValue(metrics.text, "diagnose_operator_leader");
        if (leader === 1) return performance.now() - started;
        last = `ready, not leader yet (diagnose_operator_leader ${leader})`;
      }
    } catch (err) {
      last = String(err);
    }
    await sleep(intervalMs);
  }
  throw new Error(`operator not ready within ${timeoutMs} ms (${last}); log: ${logPath}`);
}

/** SIGTERM (graceful: the operator releases its Lease), SIGKILL after the deadline. */
export async function stopGracefully(child: ChildProcess, deadlineMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs);
  await exited;
  clearTimeout(timer);
}

/** Operators still running: killed if the bench process exits without stopping them. */
const live = new Set<ChildProcess>();

export function killOperators(): void {
  for (const c of live) c.kill("SIGKILL");
}
process.on("exit", killOperators);

export class OperatorProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly metricsPort: number,
    readonly probePort: number,
    readonly logPath: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(opts: {
    kubeconfigPath: string;
    namespace: string;
    logPath: string;
    args: string[];
    code: OperatorCode;
    /** NODE_OPTIONS for the operator, as the chart's Deployment would set it. */
    nodeOptions?: string;
  }): Promise<OperatorProcess> {
    const metricsPort = await freePort();
    const probePort = await freePort();
    const log = createWriteStream(opts.logPath, { flags: "a" });
    const child = spawn(
      process.execPath,
      [
        ...operatorNodeArgs(opts.code),
        `--namespace=${opts.namespace}`,
        `--metrics-port=${metricsPort}`,
        "--leader-elect=true",
        ...opts.args,
      ],
      {
        cwd: REPO,
        env: {
          ...process.env,
          KUBECONFIG: opts.kubeconfigPath,
          BENCH_PROBE_PORT: String(probePort),
          ...(opts.nodeOptions !== undefined ? { NODE_OPTIONS: opts.nodeOptions } : {}),
          POD_NAME: `bench-operator-${process.pid}-${Date.now().toString(36)}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    live.add(child);
    child.once("exit", () => live.delete(child));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return new OperatorProcess(child, metricsPort, probePort, opts.logPath);
  }

  metrics(): Promise<string> {
    return localGet(this.metricsPort, "/metrics").then((r) => r.text);
  }

  async probe(gc = false): Promise<ProbeSnapshot> {
    const r = await localGet(this.probePort, gc ? "/?gc=1" : "/");
    return JSON.parse(r.text) as ProbeSnapshot;
  }

  rssBytes(): Promise<number> {
    return procStatusBytes(this.pid, "VmRSS");
  }

  /** Until /readyz answers 200 (caches synced) and this replica holds the Lease. */
  waitReadyAndLeader(timeoutMs: number): Promise<number> {
    return waitReadyAndLeader(this.child, this.metricsPort, this.logPath, timeoutMs, 100);
  }

  /** SIGTERM (graceful: releases the Lease), SIGKILL after the deadline. */
  stop(deadlineMs = 12_000): Promise<void> {
    return stopGracefully(this.child, deadlineMs);
  }
}
