import type { ObjectKey } from "./contracts.js";
import { DeadlineHeap } from "./deadlineHeap.js";
import { ExponentialFailureRateLimiter } from "./rateLimiter.js";
import { systemTimers, type Timers } from "./timers.js";

/** setTimeout's longest delay; Node fires a longer one after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WorkQueueOptions {
  name: string;
  timers?: Timers;
  /** Called whenever the number of queued (not in-flight, not delayed) keys changes. */
  onDepth?: (depth: number) => void;
  /** A key became queued (client-go counts these as adds; a key already queued is not one). */
  onAdd?: () => void;
  onRetry?: () => void;
  /** A worker took a key that had waited `ms` since it was added. */
  onQueueDuration?: (ms: number) => void;
}

/**
 * A keyed work queue with client-go's semantics: a key is queued at most once (dirty set);
 * a key added while being processed is not handed to a second worker but queued again once
 * done() is called (processing set). Delayed adds (addAfter, addRateLimited) keep the earliest
 * deadline per key and wait behind one timer, set for the earliest of them.
 */
export class WorkQueue {
  readonly name: string;
  private readonly queue: ObjectKey[] = [];
  private readonly dirty = new Set<ObjectKey>();
  private readonly processing = new Set<ObjectKey>();
  private readonly delayed = new DeadlineHeap<ObjectKey>();
  /** The one timer of the delayed adds, and the deadline it is set for. */
  private delayTimer: { at: number; handle: unknown } | undefined;
  /** When each dirty key was added, for onQueueDuration. */
  private readonly addedAt = new Map<ObjectKey, number>();
  private readonly waiters: Array<(key: ObjectKey | undefined) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private shuttingDown = false;
  private readonly rateLimiter = new ExponentialFailureRateLimiter();
  private readonly timers: Timers;

  constructor(private readonly opts: WorkQueueOptions) {
    this.name = opts.name;
    this.timers = opts.timers ?? systemTimers;
  }

  add(key: ObjectKey): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.opts.onAdd?.();
    this.dirty.add(key);
    this.addedAt.set(key, this.timers.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addAfter(key: ObjectKey, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.timers.now() + delayMs;
    const existing = this.delayed.deadlineOf(key);
    if (existing !== undefined && existing <= at) return;
    this.delayed.set(key, at);
    this.armDelayTimer();
  }

  /** Adds the delayed keys that are due, then sets the timer for the next deadline. */
  private addDueKeys(): void {
    this.delayTimer = undefined;
    const now = this.timers.now();
    for (let key = this.delayed.popDue(now); key !== undefined; key = this.delayed.popDue(now))
      this.add(key);
    this.armDelayTimer();
  }

  private armDelayTimer(): void {
    const at = this.delayed.earliest();
    if (at === undefined || this.shuttingDown) return;
    if (this.delayTimer) {
      if (this.delayTimer.at <= at) return;
      this.timers.clearTimeout(this.delayTimer.handle);
    }
    // A timer may fire a little before the clock reads its deadline, and one beyond
    // setTimeout's range (~24.8 days) is set for its end: addDueKeys sets it again.
    const ms = Math.min(MAX_TIMER_MS, Math.max(1, at - this.timers.now()));
    this.delayTimer = { at, handle: this.timers.setTimeout(() => this.addDueKeys(), ms) };
  }

  /** Retry key after its per-key backoff. */
  addRateLimited(key: ObjectKey): void {
    this.opts.onRetry?.();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Reset key's backoff (after a success or a terminal failure). */
  forget(key: ObjectKey): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: ObjectKey): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Next key to process, or undefined once the queue is shut down. Call done(key) after. */
  get(): Promise<ObjectKey | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.opts.onDepth?.(this.queue.length);
      this.take(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: ObjectKey): void {
    this.processing.delete(key);
    // Re-added while in flight: hand it out again now that no worker holds it.
    if (this.dirty.has(key)) this.push(key);
    if (this.processing.size === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** A dirty key to a waiting worker, else to the back of the queue. */
  private push(key: ObjectKey): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.opts.onDepth?.(this.queue.length);
  }

  /** The key goes to a worker: no longer dirty, in flight. */
  private take(key: ObjectKey): void {
    this.dirty.delete(key);
    this.processing.add(key);
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (at !== undefined) this.opts.onQueueDuration?.(this.timers.now() - at);
  }

  /** Queued keys (excluding in-flight and delayed ones). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stop handing out keys (waiting get() calls resolve undefined), drop delayed adds, and
   * resolve once every in-flight key is done(). Queued keys are dropped: reconcilers are
   * level-triggered, so the next leader's initial resync covers them.
   */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    if (this.delayTimer) this.timers.clearTimeout(this.delayTimer.handle);
    this.delayTimer = undefined;
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.addedAt.clear();
    this.opts.onDepth?.(0);
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
