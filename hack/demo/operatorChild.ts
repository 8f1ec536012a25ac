/**
 * The operator's entry point from source (`node --import tsx operator/controller/main.ts`; the
 * image ships it bundled as `diagnose-operator`), a child process with its JSON log in a file:
 * started with the Helm chart's defaults (leader election on) and the demo's kubeconfig.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { repoRoot } from "../../test/support/controlPlane.js";
import { freePort, stopGracefully, waitReadyAndLeader } from "../bench/operatorProcess.js";

export class OperatorChild {
  private constructor(
    readonly child: ChildProcess,
    readonly metricsPort: number,
    readonly logPath: string,
  ) {}

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

  /** Until /readyz answers 200 (caches synced) and this replica holds the Lease. */
  waitReadyAndLeader(timeoutMs: number): Promise<number> {
    return waitReadyAndLeader(this.child, this.metricsPort, this.logPath, timeoutMs, 200);
  }

  /** SIGTERM (graceful: releases the Lease), SIGKILL after the deadline. */
  stop(deadlineMs: number): Promise<void> {
    return stopGracefully(this.child, deadlineMs);
  }
}
