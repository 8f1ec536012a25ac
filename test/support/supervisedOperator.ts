/**
 * An operator replica that is restarted when its process exits, the way a kubelet restarts a
 * container: the same pod name (its Lease identity), unless the test killed it "as a new pod".
 * Each run is an OperatorProcess (a real child process, its JSON log appended to one file); only
 * those processes are ever signalled, by their child pid.
 */

import { type OperatorCode, OperatorProcess } from "./operatorProcess.js";
import { metricValue } from "./prometheusText.js";

export interface SupervisedOperatorOptions {
  kubeconfigPath: string;
  namespace: string;
  code: OperatorCode;
  /** POD_NAME: the Lease holder identity. */
  identity: string;
  /** DIAGNOSE_* settings (every flag has an environment variable). */
  env: Record<string, string>;
  logPath: string;
  /** Like a kubelet's restart of a crashed container. */
  restartDelayMs: number;
}

export class SupervisedOperator {
  private current: OperatorProcess | undefined;
  private supervising = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextDelayMs: number | undefined;
  private generation = 0;
  identity: string;
  /** How each run ended: exit code or signal. */
  readonly exits: string[] = [];

  private constructor(private readonly opts: SupervisedOperatorOptions) {
    this.identity = opts.identity;
  }

  static async start(opts: SupervisedOperatorOptions): Promise<SupervisedOperator> {
    const op = new SupervisedOperator(opts);
    await op.run();
    return op;
  }

  /** SIGKILL the running process; it comes back (as the same pod, or a new one) after downMs. */
  kill(opts: { asNewPod?: boolean; downMs?: number } = {}): void {
    const child = this.current?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (opts.asNewPod) this.identity = `${this.opts.identity}-${++this.generation}`;
    this.nextDelayMs = opts.downMs;
    child.kill("SIGKILL");
  }

  /** SIGTERM (graceful: it releases the Lease), SIGKILL after 12 s; not restarted. */
  async stop(): Promise<void> {
    this.supervising = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.current?.stop();
  }

  /** A path of the running process' health server; undefined when it does not answer. */
  async get(path: string): Promise<string | undefined> {
    const port = this.current?.metricsPort;
    if (port === undefined) return undefined;
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(2000),
      });
      return await res.text();
    } catch {
      return undefined;
    }
  }

  async isLeader(): Promise<boolean> {
    const text = await this.get("/metrics");
    return text !== undefined && metricValue(text, "diagnose_operator_leader") === 1;
  }

  private async run(): Promise<void> {
    const op = await OperatorProcess.start({
      kubeconfigPath: this.opts.kubeconfigPath,
      namespace: this.opts.namespace,
      logPath: this.opts.logPath,
      args: [],
      code: this.opts.code,
      nodeArgs: ["--enable-source-maps"],
      env: { ...this.opts.env, POD_NAME: this.identity },
    });
    this.current = op;
    op.child.once("exit", (code, signal) => {
      this.exits.push(signal ?? String(code));
      if (!this.supervising) return;
      const delay = this.nextDelayMs ?? this.opts.restartDelayMs;
      this.nextDelayMs = undefined;
      this.restartTimer = setTimeout(() => {
        if (this.supervising) void this.run();
      }, delay);
    });
  }
}
