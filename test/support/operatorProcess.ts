/**
 * The operator as a real child process (the demo's and the bench's), its JSON log in a file, with
 * helpers to read its /readyz, /metrics and /proc/<pid>/status. It runs from source (`node
 * --import tsx operator/controller/main.ts`) or compiled (`node <main.js>`, as production runs
 * it), leader election on, as the Helm chart starts it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { metricValue } from "./prometheusText.js";
import { repoRoot } from "./repoRoot.js";

/** What to run: a compiled build, or the TypeScript sources through tsx. */
export type OperatorCode = { kind: "compiled"; mainJs: string } | { kind: "source" };

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

/** GET http://127.0.0.1:<port><path>, bounded to 10 s. */
export async function localGet(
  port: number,
  path: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Operators still running: killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();

export function killOperators(): void {
  for (const c of live) c.kill("SIGKILL");
}
process.on("exit", killOperators);

export interface OperatorProcessOptions {
  kubeconfigPath: string;
  namespace: string;
  logPath: string;
  /** Operator flags after --namespace, --metrics-port and --leader-elect=true. */
  args: readonly string[];
  /** Default: from source. */
  code?: OperatorCode;
  /** Node flags before the entry point (e.g. `--import <module>`). */
  nodeArgs?: readonly string[];
  /** NODE_OPTIONS for the operator, as the chart's Deployment would set it. */
  nodeOptions?: string;
  env?: Record<string, string>;
}

export class OperatorProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly metricsPort: number,
    readonly logPath: string,
  ) {}

  static async start(opts: OperatorProcessOptions): Promise<OperatorProcess> {
    const metricsPort = await freePort();
    const log = createWriteStream(opts.logPath, { flags: "a" });
    const code = opts.code ?? { kind: "source" };
    const entry =
      code.kind === "compiled"
        ? [...(opts.nodeArgs ?? []), code.mainJs]
        : ["--import", "tsx", ...(opts.nodeArgs ?? []), "operator/controller/main.ts"];
    const child = spawn(
      process.execPath,
      [
        ...entry,
        `--namespace=${opts.namespace}`,
        `--metrics-port=${metricsPort}`,
        "--leader-elect=true",
        ...opts.args,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          KUBECONFIG: opts.kubeconfigPath,
          POD_NAME: `diagnose-operator-${process.pid}-${Date.now().toString(36)}`,
          ...(opts.nodeOptions !== undefined ? { NODE_OPTIONS: opts.nodeOptions } : {}),
          ...opts.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    live.add(child);
    child.once("exit", () => live.delete(child));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return new OperatorProcess(child, metricsPort, opts.logPath);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Throws when the operator process is gone (nothing can go on without it). */
  assertRunning(): void {
    const { exitCode, signalCode } = this.child;
    if (exitCode !== null || signalCode !== null)
      throw new Error(`the operator exited (${exitCode ?? signalCode}); its log: ${this.logPath}`);
  }

  metrics(): Promise<string> {
    return localGet(this.metricsPort, "/metrics").then((r) => r.text);
  }

  /** VmRSS from /proc/<pid>/status, in bytes. */
  rssBytes(): Promise<number> {
    return this.statusBytes("VmRSS");
  }

  /** VmHWM: the highest RSS the process had (its initial list included), in bytes. */
  peakRssBytes(): Promise<number> {
    return this.statusBytes("VmHWM");
  }

  private async statusBytes(field: "VmRSS" | "VmHWM"): Promise<number> {
    const text = await readFile(`/proc/${this.pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    if (!m) throw new Error(`no ${field} in /proc/${this.pid}/status`);
    return Number(m[1]) * 1024;
  }

  /**
   * Until /readyz answers 200 (caches synced) and diagnose_operator_leader is 1 on /metrics
   * (this replica holds the Lease); the milliseconds that took.
   */
  async waitReadyAndLeader(timeoutMs: number, intervalMs = 100): Promise<number> {
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`operator exited ${this.child.exitCode}; log: ${this.logPath}`);
      try {
        const ready = await localGet(this.metricsPort, "/readyz");
        last = `readyz ${ready.status}: ${ready.text.trim().replaceAll("\n", "; ")}`;
        if (ready.status === 200) {
          const leader = metricValue(await this.metrics(), "diagnose_operator_leader");
          if (leader === 1) return performance.now() - started;
          last = `ready, not leader yet (diagnose_operator_leader ${leader})`;
        }
      } catch (err) {
        last = String(err);
      }
      await sleep(intervalMs);
    }
    throw new Error(`operator not ready within ${timeoutMs} ms (${last}); log: ${this.logPath}`);
  }

  /** SIGTERM (graceful: the operator releases its Lease), SIGKILL after the deadline. */
  async stop(deadlineMs = 12_000): Promise<void> {
    const { child } = this;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs);
    await exited;
    clearTimeout(timer);
  }
}
