/**
 * The operator exactly as shipped (`diagnose-operator`, here `node --import tsx
 * operator/controller/main.ts`), a child process with its JSON log in a file: started with the
 * Helm chart's defaults (leader election on) and the demo's kubeconfig.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { repoRoot } from "../../test/support/controlPlane.js";
import { freePort } from "../bench/operatorProcess.js";
import { metricValue } from "../bench/prometheusText.js";

export class OperatorChild {
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly metricsPort: number,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
  }

  /** Throws when the operator process is gone (the demo cannot go on without it). */
  assertRunning(): void {
    const { exitCode, signalCode } = this.child;
    if (exitCode !== null || signalCode !== null)
      throw new Error(`the operator exited (${exitCode ?? signalCode}); its log: ${this.logPath}`);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(opts: {
    kubeconfigPath: string;
    namespace: string;
    logPath: string;
    args: readonly string[];
  }): Promise<OperatorChild> {
    const metricsPort = await freePort();
    const log = createWriteStream(opts.logPath, { flags: "a" });
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "operator/controller/main.ts",
        `--namespace=${opts.namespace}`,
        `--metrics-port=${metricsPort}`,
        ...opts.args,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          KUBECONFIG: opts.kubeconfigPath,
          POD_NAME: `diagnose-operator-demo-${process.pid}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return new OperatorChild(child, metricsPort, opts.logPath);
  }

  private async get(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}${path}`, {
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, text: await res.text() };
  }

  /** Until /readyz answers 200 (caches synced) and this replica holds the Lease. */
  async waitReadyAndLeader(timeoutMs: number): Promise<number> {
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`operator exited ${this.child.exitCode}; log: ${this.logPath}`);
      try {
        const ready = await this.get("/readyz");
        last = `readyz ${ready.status}: ${ready.text.trim().replaceAll("\n", "; ")}`;
        if (ready.status === 200) {
          const leader = metricValue((await this.get("/metrics")).text, "diagnose_operator_leader");
          if (leader === 1) return performance.now() - started;
          last = "ready, not leader yet";
        }
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`operator not ready within ${timeoutMs} ms (${last}); log: ${this.logPath}`);
  }

  /** SIGTERM (graceful: releases the Lease), SIGKILL after the deadline. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), deadlineMs);
    await this.exited;
    clearTimeout(timer);
  }
}
