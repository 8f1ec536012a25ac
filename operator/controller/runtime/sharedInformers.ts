/**
 * One informer per watched kind, however many controllers watch it or read its cache
 * (controller-runtime's cache): created on first use, indexed before it starts, started and
 * stopped together. A kind limited to some namespaces gets one informer per namespace, seen as
 * one cache.
 */

import type { IndexFunc, ObjectCache } from "./contracts.js";
import { Informer, type InformerHandler, type InformerStats, type ListWatch } from "./informer.js";
import { InformerGroup } from "./informerGroup.js";
import type { Kind } from "./kind.js";
import type { Logger } from "./logger.js";
import type { HasMetadata } from "./objectStore.js";
import type { Timers } from "./timers.js";

/** A kind's shared cache, with what the manager needs to route its events. */
export interface SharedInformer<T> extends ObjectCache<T> {
  addHandler(handler: InformerHandler<T>): void;
  addIndex(name: string, fn: IndexFunc<T>): void;
  /** The API's answer to a write of this process, ahead of its watch event (Informer.recordWrite). */
  recordWrite(raw: unknown): void;
}

interface Runnable {
  start(): void;
  stop(): Promise<void>;
  waitForSync(): Promise<void>;
  lastActivityAt(): number;
}

/** One kind's cache as health checks see it. */
export interface CacheState {
  name: string;
  synced: boolean;
  /** When the apiserver last showed its informer(s) alive (timers' clock, ms); see Informer. */
  lastActivityAt: number;
}

export interface SharedInformersOptions {
  /** The list/watch of one collection path. */
  listWatch(
    path: string,
    kind: Pick<Kind<HasMetadata>, "labelSelector" | "pageSize" | "omit">,
  ): ListWatch;
  logger: Logger;
  timers?: Timers;
  /** Counters of one informer, by its name: the kind's, or `kind/namespace`. */
  stats?(informerName: string): InformerStats;
}

export class SharedInformers {
  private readonly byName = new Map<
    string,
    { kind: Kind<HasMetadata>; informer: SharedInformer<unknown> & Runnable }
  >();
  private started = false;

  constructor(private readonly opts: SharedInformersOptions) {}

  /** The cache of `kind`, its informer created on first use. */
  get<T extends HasMetadata>(kind: Kind<T>): SharedInformer<T> {
    const known = this.byName.get(kind.name);
    if (known) {
      if (known.kind !== kind) throw new Error(`two different kinds are named ${kind.name}`);
      // Entries are keyed by their Kind object (checked above), so this one caches T.
      return known.informer as SharedInformer<T>;
    }
    if (this.started) throw new Error(`kind ${kind.name} is watched only after the caches started`);
    const informer = this.create(kind);
    this.byName.set(kind.name, { kind, informer });
    return informer;
  }

  start(): void {
    this.started = true;
    for (const { informer } of this.byName.values()) informer.start();
  }

  /** Resolves once every cache holds its initial list (or the informers were stopped). */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.byName.values()].map(({ informer }) => informer.waitForSync()));
  }

  /** Each kind's cache, in the order they were first asked for. */
  syncState(): CacheState[] {
    return [...this.byName.entries()].map(([name, { informer }]) => ({
      name,
      synced: informer.hasSynced(),
      lastActivityAt: informer.lastActivityAt(),
    }));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byName.values()].map(({ informer }) => informer.stop()));
  }

  private create<T extends HasMetadata>(kind: Kind<T>): SharedInformer<T> & Runnable {
    const informer = (name: string, path: string): Informer<T> =>
      new Informer<T>({
        name,
        listWatch: this.opts.listWatch(path, kind),
        logger: this.opts.logger,
        stats: this.opts.stats?.(name),
        transform: kind.transform,
        timers: this.opts.timers,
      });
    const namespaces = kind.namespaces ?? [];
    if (namespaces.length === 0) return informer(kind.name, kind.path());
    return new InformerGroup<T>(
      kind.name,
      new Map(namespaces.map((ns) => [ns, informer(`${kind.name}/${ns}`, kind.path(ns))])),
    );
  }
}
