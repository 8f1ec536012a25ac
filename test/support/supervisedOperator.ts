/**
 * The operator as a real child process (`node <bundle>`: the operator bundled as the image ships
 * it, from this checkout or another to compare with), restarted when it exits the way a kubelet
 * restarts a container: same pod name (its Lease identity) unless the test kills it "as a new
 * pod". Its JSON log goes to a file; /metrics tells whether it leads. Only the processes it
 * started are ever signalled (by their child pid).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readFileSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { sleep } from "./waitFor.js";

export interface SupervisedOperatorOptions {
  /** The operator's entry point (a bundle of operator/controller/main.ts). */
  script: string;
  kubeconfigPath: string;
  /** POD_NAME: the Lease holder identity. */
  identity: string;
  /** DIAGNOSE_* settings (flags the operator reads from the environment). */
  env: Record<string, string>;
  logPath: string;
  /** Like a kubelet's restart of a crashed container. */
  restartDelayMs: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Operators still running: killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export class SupervisedOperator {
  private child: ChildProcess | undefined;
  private supervising = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly log: WriteStream;
  private generation = 0;
  identity: string;
  /** Every process started, in order. */
  readonly pids: number[] = [];
  /** Exits seen: code or signal. */
  readonly exits: string[] = [];

  private constructor(
    private readonly opts: SupervisedOperatorOptions,
    readonly metricsPort: number,
  ) {
    this.identity = opts.identity;
    this.log = createWriteStream(opts.logPath, { flags: "a" });
  }

  static async start(opts: SupervisedOperatorOptions): Promise<SupervisedOperator> {
    const op = new SupervisedOperator(opts, await freePort());
    op.supervising = true;
    op.spawn();
    return op;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : undefined;
  }

  /** SIGKILL the running process; it is restarted (as the same pod, or a new one). */
  kill(opts: { asNewPod?: boolean; downMs?: number } = {}): void {
    const c = this.child;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    if (opts.asNewPod) this.identity = `${this.opts.identity}-${++this.generation}`;
    this.nextDelayMs = opts.downMs;
    c.kill("SIGKILL");
  }

  private nextDelayMs: number | undefined;

  /** SIGTERM (graceful: it releases the Lease), SIGKILL after 12 s; not restarted. */
  async stop(): Promise<void> {
    this.supervising = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = once(c, "exit");
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), 12_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  logText(): string {
    try {
      return readFileSync(this.opts.logPath, "utf8");
    } catch {
      return "";
    }
  }

  /** diagnose_operator_leader from /metrics; undefined when it does not answer. */
  async isLeader(): Promise<boolean | undefined> {
    const text = await this.get("/metrics");
    if (text === undefined) return undefined;
    const m = /^diagnose_operator_leader(?:\{\})? (\d+)/m.exec(text);
    return m ? m[1] === "1" : undefined;
  }

  async get(path: string): Promise<string | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.metricsPort}${path}`, {
        signal: AbortSignal.timeout(2000),
      });
      return await res.text();
    } catch {
      return undefined;
    }
  }

  private spawn(): void {
    const child = spawn(process.execPath, ["--enable-source-maps", this.opts.script], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...this.opts.env,
        KUBECONFIG: this.opts.kubeconfigPath,
        POD_NAME: this.identity,
        DIAGNOSE_METRICS_PORT: String(this.metricsPort),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    live.add(child);
    if (child.pid) this.pids.push(child.pid);
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.once("exit", (code, signal) => {
      live.delete(child);
      this.exits.push(signal ?? String(code));
      if (!this.supervising) return;
      const delay = this.nextDelayMs ?? this.opts.restartDelayMs;
      this.nextDelayMs = undefined;
      this.restartTimer = setTimeout(() => {
        if (this.supervising) this.spawn();
      }, delay);
    });
  }

  /** Until this replica leads (and answers), or the timeout. */
  async waitLeading(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.isLeader()) return;
      await sleep(200);
    }
    throw new Error(`operator ${this.identity} not leading within ${timeoutMs} ms`);
  }
}
