/**
 * Informer: list, then watch from the list's resourceVersion, forever (client-go's Reflector).
 * - 410 Gone (HTTP status or an ERROR event) -> relist, diffing against the cache.
 * - any other failure or a dropped stream -> re-watch from the last seen resourceVersion after a
 *   backoff; if that re-watch answers 410, relist.
 * - a stream the server closes normally (its timeout) -> re-watch at once.
 * - a stream that fell silent (WatchIdleError: no event or bookmark within its idle deadline,
 *   see kubeListWatch.ts) -> re-watch after a backoff, on a new connection.
 * Events whose resourceVersion the cache already holds are dropped, so nothing is handled twice.
 * The answers to this process' own writes can be cached ahead of their watch events
 * (recordWrite): a reconciler reads its own writes, and a controller hears of an object another
 * one just created without waiting for the watch to echo it.
 * Every restart but the server's normal end is logged with its reason. The time of the last sign
 * of life from the apiserver (a list, a watch accepted, an event, a bookmark) is kept: the
 * runtime shows its age and treats an informer silent for too long as stale.
 */

import { apiStatusCode } from "./apiStatusCode.js";
import type { IndexFunc, ObjectCache, ObjectKey } from "./contracts.js";
import type { Logger } from "./logger.js";
import { type HasMetadata, keyOf, ObjectStore } from "./objectStore.js";
import { diffRelist } from "./relistDiff.js";
import { olderThan } from "./resourceVersion.js";
import { sleep, systemTimers, type Timers } from "./timers.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface ListPage<T = unknown> {
  items: T[];
  resourceVersion: string;
}

/** A watch that delivered no event or bookmark within its idle deadline: its connection is dead. */
export class WatchIdleError extends Error {
  constructor(
    message: string,
    readonly idleMs: number,
  ) {
    super(message);
    this.name = "WatchIdleError";
  }
}

export interface WatchStream {
  /** Close the stream; onDone is not called after stop(). */
  stop(): void;
}

/** The API calls an informer makes; kubeListWatch.ts implements it over HTTP. */
export interface ListWatch {
  /**
   * The whole collection. Each item goes through decode as soon as its page arrives, so a big
   * list never holds every full object at once (10,000 raw Pods are ~80 MB of heap).
   */
  list<T>(signal: AbortSignal, decode: (raw: unknown) => T): Promise<ListPage<T>>;
  /**
   * Resolves once the watch is accepted (or rejects when it is not); then onDone ends it: null
   * when the server closed it normally, else the error (WatchIdleError for a silent stream).
   */
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchStream>;
}

export interface InformerHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerStats {
  onWatchRestart?(reason: WatchRestartReason): void;
  onRelist?(): void;
  onSynced?(): void;
  onSize?(size: number): void;
}

export interface InformerOptions<T> {
  name: string;
  listWatch: ListWatch;
  /**
   * Trim or decode each object before it is cached (e.g. keep only the Pod fields we use).
   * Must keep metadata name, namespace and resourceVersion: watch events are keyed raw.
   */
  transform?: (raw: unknown) => T;
  logger?: Logger;
  timers?: Timers;
  stats?: InformerStats;
  /** Backoff between failed attempts: initial, doubled per failure, capped. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A stream that ended sooner than this after opening counts as failed (avoids a hot loop). */
  minWatchLifetimeMs?: number;
}

/** 410 from a failed list or watch, or in the Status of a watch ERROR event. */
function isGone(err: unknown): boolean {
  return apiStatusCode(err) === 410;
}

/** closed: the server's normal end; idle: a silent stream ended by its idle deadline. */
export type WatchRestartReason = "closed" | "error" | "gone" | "idle";

type WatchOutcome =
  | { kind: "closed" }
  | { kind: "gone" }
  | { kind: "idle"; err: WatchIdleError }
  | { kind: "error"; err: unknown };

export class Informer<T extends HasMetadata> implements ObjectCache<T> {
  readonly name: string;
  private readonly store = new ObjectStore<T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly timers: Timers;
  private readonly abort = new AbortController();
  private lastResourceVersion = "";
  private stream: WatchStream | undefined;
  private running: Promise<void> | undefined;
  private readonly syncWaiters: Array<() => void> = [];
  private failures = 0;
  private lastActivity: number;

  constructor(private readonly opts: InformerOptions<T>) {
    this.name = opts.name;
    this.timers = opts.timers ?? systemTimers;
    this.lastActivity = this.timers.now();
  }

  /**
   * When the apiserver last showed this informer it is alive: a list, a watch accepted, an
   * event or a bookmark (timers' clock, ms). Before the first list: when the informer started.
   */
  lastActivityAt(): number {
    return this.lastActivity;
  }

  private markActivity(): void {
    this.lastActivity = this.timers.now();
  }

  addHandler(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  get(key: ObjectKey): T | undefined {
    return this.store.get(key);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  /** A named index over the cache (see ObjectStore.addIndex). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.store.addIndex(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return this.store.byIndex(name, value);
  }

  hasSynced(): boolean {
    return this.store.hasSynced();
  }

  /** The resourceVersion the next watch would start from. */
  resourceVersion(): string {
    return this.lastResourceVersion;
  }

  /**
   * The API's answer to a write this process made (a create, patch or update of an object this
   * informer lists): cached and handed to the handlers now, instead of when the watch delivers
   * it, which takes as long again as the write did. Ignored unless the watch has not got that
   * far yet (the write's resourceVersion is newer than the last one seen); then the watch's own
   * event for it, and every older one for that object still in flight, are dropped as stale
   * (apply). Everything newer comes through the watch as usual. Opaque (non-integer)
   * resourceVersions cannot be ordered: ignored then, the watch delivers as before.
   */
  recordWrite(raw: unknown): void {
    if (this.stopped || !this.store.hasSynced()) return;
    const rv = (raw as HasMetadata | undefined)?.metadata?.resourceVersion;
    if (!olderThan(this.lastResourceVersion, rv)) return;
    let obj: T;
    try {
      obj = this.decode(raw);
    } catch {
      return;
    }
    const old = this.store.set(obj);
    if (old) this.dispatch((h) => h.onUpdate?.(old, obj));
    else {
      this.dispatch((h) => h.onAdd?.(obj));
      this.opts.stats?.onSize?.(this.store.size());
    }
  }

  /** Resolves once the initial list is cached (or the informer is stopped). */
  waitForSync(): Promise<void> {
    if (this.hasSynced() || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.markActivity();
    this.running = this.run();
  }

  /** Stops the loop and the open watch; resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.stream?.stop();
    this.stream = undefined;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
    await this.running;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        try {
          await this.relist();
          needList = false;
          this.failures = 0;
        } catch (err) {
          if (this.stopped) return;
          this.opts.logger?.warn("list failed", { informer: this.name, error: String(err) });
          await this.backoff();
          continue;
        }
      }
      const opened = this.timers.now();
      const outcome = await this.watchOnce();
      if (this.stopped) return;
      this.opts.stats?.onWatchRestart?.(outcome.kind);
      if (outcome.kind === "gone") {
        this.opts.logger?.info("watch expired (410 Gone), relisting", { informer: this.name });
        needList = true;
        continue;
      }
      const shortLived = this.timers.now() - opened < (this.opts.minWatchLifetimeMs ?? 1000);
      if (outcome.kind === "idle") {
        this.opts.logger?.warn("watch restarted: no event or bookmark within its idle deadline", {
          informer: this.name,
          idleSeconds: outcome.err.idleMs / 1000,
          resourceVersion: this.lastResourceVersion,
        });
        await this.backoff();
      } else if (outcome.kind === "error" || shortLived) {
        this.opts.logger?.warn("watch restarted after an error", {
          informer: this.name,
          resourceVersion: this.lastResourceVersion,
          error: outcome.kind === "error" ? String(outcome.err) : "stream closed early",
        });
        await this.backoff();
      } else {
        this.failures = 0;
      }
    }
  }

  private async backoff(): Promise<void> {
    const initial = this.opts.backoffInitialMs ?? 800;
    const max = this.opts.backoffMaxMs ?? 30_000;
    const base = Math.min(initial * 2 ** this.failures, max);
    this.failures++;
    // Jitter so replicas and informers do not retry in lockstep.
    await sleep(this.timers, base * (0.8 + Math.random() * 0.4), this.abort.signal);
  }

  private async relist(): Promise<void> {
    const page = await this.opts.listWatch.list(this.abort.signal, (raw) => this.decode(raw));
    if (this.stopped) return;
    this.markActivity();
    const diff = diffRelist(this.store.view(), page.items, page.resourceVersion);
    this.opts.stats?.onRelist?.();
    // Deletes first so a handler that lists the cache never sees a vanished object.
    for (const obj of diff.deleted) {
      this.store.delete(keyOf(obj));
      this.dispatch((h) => h.onDelete?.(obj));
    }
    for (const obj of diff.added) {
      this.store.set(obj);
      this.dispatch((h) => h.onAdd?.(obj));
    }
    for (const { oldObj, newObj } of diff.updated) {
      this.store.set(newObj);
      this.dispatch((h) => h.onUpdate?.(oldObj, newObj));
    }
    this.lastResourceVersion = page.resourceVersion;
    this.opts.stats?.onSize?.(this.store.size());
    if (!this.store.hasSynced()) {
      this.store.markSynced();
      this.opts.stats?.onSynced?.();
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private decode(raw: unknown): T {
    return this.opts.transform ? this.opts.transform(raw) : (raw as T);
  }

  private watchOnce(): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      let gone = false;
      let settled = false;
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        this.abort.signal.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      const onAbort = (): void => finish({ kind: "closed" });
      this.abort.signal.addEventListener("abort", onAbort, { once: true });

      const onEvent = (type: WatchEventType, obj: unknown): void => {
        if (settled) return;
        this.markActivity();
        if (type === "ERROR") {
          // The apiserver reports an expired resourceVersion as an ERROR event with a Status.
          if (isGone(obj)) gone = true;
          else this.opts.logger?.warn("watch error event", { informer: this.name, status: obj });
          return;
        }
        this.apply(type, obj);
      };
      const onDone = (err: unknown): void => {
        this.stream = undefined;
        if (gone || isGone(err)) finish({ kind: "gone" });
        else if (err instanceof WatchIdleError) finish({ kind: "idle", err });
        else if (err) finish({ kind: "error", err });
        else finish({ kind: "closed" });
      };
      this.opts.listWatch.watch(this.lastResourceVersion, onEvent, onDone).then(
        (stream) => {
          if (settled || this.stopped) stream.stop();
          else {
            this.markActivity();
            this.stream = stream;
          }
        },
        (err: unknown) => onDone(err ?? new Error("watch failed")),
      );
    });
  }

  private apply(type: WatchEventType, raw: unknown): void {
    const rv = (raw as HasMetadata | undefined)?.metadata?.resourceVersion;
    if (type === "BOOKMARK") {
      if (rv) this.lastResourceVersion = rv;
      return;
    }
    // Key and resourceVersion come from the raw object (transforms keep them), so a delete or
    // an event the cache already holds costs no decode.
    const key = keyOf((raw ?? {}) as HasMetadata);
    const old = this.store.get(key);
    // Older than what is cached: a recorded write of ours is ahead of the watch.
    const stale = old !== undefined && olderThan(rv, old.metadata?.resourceVersion);
    if (type === "DELETED") {
      if (old && !stale) {
        this.store.delete(key);
        this.dispatch((h) => h.onDelete?.(old));
        this.opts.stats?.onSize?.(this.store.size());
      }
    } else if (!old || (old.metadata?.resourceVersion !== rv && !stale)) {
      let obj: T;
      try {
        obj = this.decode(raw);
      } catch (err) {
        this.opts.logger?.error("dropping undecodable watch event", {
          informer: this.name,
          error: String(err),
        });
        return;
      }
      this.store.set(obj);
      if (old) this.dispatch((h) => h.onUpdate?.(old, obj));
      else {
        this.dispatch((h) => h.onAdd?.(obj));
        this.opts.stats?.onSize?.(this.store.size());
      }
    }
    if (rv) this.lastResourceVersion = rv;
  }

  private dispatch(call: (h: InformerHandler<T>) => void): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (err) {
        // A handler bug must not stop the informer; handlers only enqueue keys.
        this.opts.logger?.error("informer handler threw", {
          informer: this.name,
          error: String(err),
        });
      }
    }
  }
}
