/**
 * Declares a controller the way controller-runtime's builder does:
 *
 *   manager.newController().for(diagnoses).watches(jobs, diagnosisOfJob).workers(4).complete(r)
 *
 * for(): the reconciled kind; each event enqueues the object's own key. watches(): a kind whose
 * events are mapped to keys of the reconciled kind (or of its own, filtered: the restart trigger
 * reconciles Pods but only those whose restart counts moved). Mappers that look objects up by a field
 * read an index the setup added first (manager.indexField), not a scan of the cache.
 */

import type { ObjectKey, Reconciler } from "./contracts.js";
import type { KeyChannel } from "./keyChannel.js";
import type { Kind } from "./kind.js";
import type { Logger } from "./logger.js";
import { type HasMetadata, keyOf } from "./objectStore.js";
import type { SharedInformers } from "./sharedInformers.js";

/**
 * Keys to enqueue when `obj` is added, updated or deleted (for a delete, its last cached state).
 * `oldObj` is set on updates, for mappers that compare (a restart count that rose). Pure and
 * cheap: it runs on the informer's event path.
 */
export type MapToKeys<T> = (obj: T, oldObj?: T) => ObjectKey[];

/** A watch with its object type bound in: what the manager routes and replays. */
export interface BoundWatch {
  readonly kind: string;
  /**
   * Routes the kind's events, mapped to keys, to `enqueue`, while `active()` (the controller
   * runs): a standby replica's caches stay current, but no mapper runs or keeps anything for it.
   */
  subscribe(enqueue: (keys: ObjectKey[]) => void, active: () => boolean): void;
  /** The keys everything cached now maps to: a starting controller's initial resync. */
  cachedKeys(): Iterable<ObjectKey>;
}

export interface ControllerRegistration {
  reconciler: Reconciler;
  watches: readonly BoundWatch[];
  /** Concurrent workers (default 2). A key is never reconciled by two at once. */
  workers?: number;
}

export class ControllerBuilder {
  private readonly bound: BoundWatch[] = [];
  private forKind: string | undefined;
  private workerCount: number | undefined;
  private name = "";

  constructor(
    private readonly informers: SharedInformers,
    private readonly logger: Logger,
    private readonly register: (registration: ControllerRegistration) => void,
  ) {}

  /** The kind the reconciler reconciles: its events enqueue the object's own key. */
  for<T extends HasMetadata>(kind: Kind<T>): this {
    if (this.forKind) throw new Error(`for() twice: ${this.forKind} and ${kind.name}`);
    this.forKind = kind.name;
    return this.watches(kind, (obj) => [keyOf(obj)]);
  }

  /** Another kind whose events concern the reconciled objects `map` names. */
  watches<T extends HasMetadata>(kind: Kind<T>, map: MapToKeys<T>): this {
    const informer = this.informers.get(kind);
    const keysOf = (obj: T, oldObj?: T): ObjectKey[] => {
      try {
        return map(obj, oldObj);
      } catch (err) {
        this.logger.error("mapToKeys threw; event dropped", {
          controller: this.name,
          informer: kind.name,
          object: `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`,
          error: String(err),
        });
        return [];
      }
    };
    this.bound.push({
      kind: kind.name,
      subscribe: (enqueue, active) =>
        informer.addHandler({
          onAdd: (obj) => {
            if (active()) enqueue(keysOf(obj));
          },
          onUpdate: (oldObj, newObj) => {
            if (active()) enqueue(keysOf(newObj, oldObj));
          },
          onDelete: (obj) => {
            if (active()) enqueue(keysOf(obj));
          },
        }),
      *cachedKeys() {
        for (const obj of informer.list()) yield* keysOf(obj);
      },
    });
    return this;
  }

  /** Keys sent on `channel` (see KeyChannel), enqueued as they are. */
  watchesChannel(channel: KeyChannel): this {
    this.bound.push({
      kind: "channel",
      subscribe: (enqueue, active) =>
        channel.subscribe((keys) => {
          if (active()) enqueue(keys);
        }),
      cachedKeys: () => [],
    });
    return this;
  }

  workers(n: number): this {
    this.workerCount = n;
    return this;
  }

  complete(reconciler: Reconciler): void {
    this.name = reconciler.name;
    this.register({
      reconciler,
      watches: this.bound,
      ...(this.workerCount !== undefined ? { workers: this.workerCount } : {}),
    });
  }
}
