/**
 * A controller: N workers pull keys from a WorkQueue and call reconcile(key).
 * Thrown TerminalError -> forget (no retry); ConflictError -> a quiet retry (debug log, conflicts
 * counter); any other error -> per-key backoff retry, logged as an error;
 * requeueAfterMs -> a delayed re-add that does not count as a failure.
 * Results are counted as controller-runtime counts them: success, error (terminal ones too, and
 * also as terminal errors), requeue (a rate-limited retry: our conflicts), requeue_after.
 */

import { ConflictError, type ObjectKey, type Reconciler, TerminalError } from "./contracts.js";
import type { Logger } from "./logger.js";
import type { RuntimeMetrics } from "./runtimeMetrics.js";
import { systemTimers, type Timers } from "./timers.js";
import { WorkQueue } from "./workQueue.js";

export interface ControllerOptions {
  reconciler: Reconciler;
  workers?: number;
  logger: Logger;
  metrics?: RuntimeMetrics;
  timers?: Timers;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private running = false;
  private workers: Promise<void>[] = [];
  private readonly timers: Timers;

  constructor(private readonly opts: ControllerOptions) {
    this.name = opts.reconciler.name;
    this.timers = opts.timers ?? systemTimers;
    const m = opts.metrics;
    const labels = { name: this.name, controller: this.name };
    this.queue = new WorkQueue({
      name: this.name,
      timers: this.timers,
      onDepth: (depth) => m?.queueDepth.set(labels, depth),
      onAdd: () => m?.queueAdds.inc(labels),
      onRetry: () => m?.queueRetries.inc(labels),
      onQueueDuration: (ms) => m?.queueDuration.observe(labels, ms / 1000),
    });
  }

  /** Between start() and stop(): only then are informer events mapped to keys. */
  isRunning(): boolean {
    return this.running;
  }

  /** Keys from informer events; ignored until start() (start replays the caches instead). */
  enqueue(keys: readonly ObjectKey[]): void {
    if (!this.running) return;
    for (const key of keys) this.queue.add(key);
  }

  /** Start the workers, then enqueue every key the current caches map to (initial resync). */
  start(initialKeys: () => Iterable<ObjectKey>): void {
    if (this.running || this.queue.isShuttingDown()) return;
    this.running = true;
    const n = Math.max(1, this.opts.workers ?? 2);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
    for (const key of initialKeys()) this.queue.add(key);
    this.opts.logger.info("controller started", { controller: this.name, workers: n });
  }

  /** Stop handing out keys and wait for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    await this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
    if (wasRunning) await this.opts.reconciler.stopped?.();
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcileOne(key: ObjectKey): Promise<void> {
    const { reconciler, logger, metrics } = this.opts;
    const controller = this.name;
    const started = this.timers.now();
    let result: string;
    try {
      const res = await reconciler.reconcile(key);
      this.queue.forget(key);
      if (res?.requeueAfterMs !== undefined && res.requeueAfterMs >= 0) {
        this.queue.addAfter(key, res.requeueAfterMs);
        result = "requeue_after";
      } else {
        result = "success";
      }
    } catch (err) {
      if (err instanceof ConflictError) {
        // Someone wrote the object after the cache copy this reconcile read: expected with two
        // writers of disjoint status fields. The newer object's watch event requeues the key as
        // well; the (5 ms based) backoff retry only covers a missed event, and a rate-limited
        // add keeps a key whose cache lags from spinning.
        metrics?.reconcileConflicts.inc({ controller });
        this.queue.addRateLimited(key);
        logger.debug("reconcile met a newer object, requeued", {
          controller,
          key,
          error: err.message,
        });
        result = "requeue";
      } else if (err instanceof TerminalError) {
        metrics?.reconcileErrors.inc({ controller });
        result = "error";
        this.queue.forget(key);
        metrics?.terminalReconcileErrors.inc({ controller });
        logger.warn("reconcile failed terminally, not retrying", {
          controller,
          key,
          error: err.message,
        });
      } else {
        metrics?.reconcileErrors.inc({ controller });
        result = "error";
        this.queue.addRateLimited(key);
        logger.error("reconcile failed, retrying with backoff", {
          controller,
          key,
          retries: this.queue.numRequeues(key),
          error: err instanceof Error ? err.message : String(err),
          stack: err instanceof Error ? err.stack : undefined,
        });
      }
    }
    metrics?.reconcileTotal.inc({ controller, result });
    metrics?.reconcileTime.observe({ controller }, (this.timers.now() - started) / 1000);
  }
}
