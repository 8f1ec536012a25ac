/**
 * The manager (controller-runtime's): the shared caches of every watched kind and the
 * controllers that watch them. Setup code reads caches, adds indexes and declares controllers;
 * the runtime then starts the caches on every replica, and the controllers only between
 * startControllers() and stopControllers() (while leading).
 */
import { type BoundWatch, ControllerBuilder, type ControllerRegistration } from "./builder.js";
import type { IndexFunc, ObjectCache, ObjectKey } from "./contracts.js";
import { Controller } from "./controller.js";
import type { Kind } from "./kind.js";
import type { HasMetadata } from "./objectStore.js";
import type { RuntimeMetrics } from "./runtimeMetrics.js";
import {
  type CacheState,
  SharedInformers,
  type SharedInformersOptions,
} from "./sharedInformers.js";

/** What controller setup may do: read caches, index them, declare controllers. */
export interface ControllerSetup {
  /** The shared cache of `kind` (controller-runtime's GetCache().GetInformer). */
  cache<T extends HasMetadata>(kind: Kind<T>): ObjectCache<T>;
  /**
   * A named index over `kind`'s cache, read with byIndex(name, value) (controller-runtime's
   * FieldIndexer.IndexField). Before the caches start.
   */
  indexField<T extends HasMetadata>(kind: Kind<T>, name: string, fn: IndexFunc<T>): void;
  /** Declares a controller (controller-runtime's NewControllerManagedBy). */
  newController(): ControllerBuilder;
  /**
   * Where the API's answers to this process' writes of `kind` go: into its cache and to the
   * controllers watching it at once, ahead of the watch event that echoes them (see
   * Informer.recordWrite). Only for objects the kind's list/watch would deliver.
   */
  writes<T extends HasMetadata>(kind: Kind<T>): (written: unknown) => void;
}

export interface ManagerOptions extends SharedInformersOptions {
  metrics?: RuntimeMetrics;
}

export class Manager implements ControllerSetup {
  private readonly informers: SharedInformers;
  private readonly controllers: Array<{ controller: Controller; watches: readonly BoundWatch[] }> =
    [];

  constructor(private readonly opts: ManagerOptions) {
    this.informers = new SharedInformers(opts);
  }

  cache<T extends HasMetadata>(kind: Kind<T>): ObjectCache<T> {
    return this.informers.get(kind);
  }

  indexField<T extends HasMetadata>(kind: Kind<T>, name: string, fn: IndexFunc<T>): void {
    this.informers.get(kind).addIndex(name, fn);
  }

  writes<T extends HasMetadata>(kind: Kind<T>): (written: unknown) => void {
    const informer = this.informers.get(kind);
    return (written) => informer.recordWrite(written);
  }

  newController(): ControllerBuilder {
    return new ControllerBuilder(this.informers, this.opts.logger, (r) => this.register(r));
  }

  controllerNames(): string[] {
    return this.controllers.map(({ controller }) => controller.name);
  }

  startCaches(): void {
    this.informers.start();
  }

  waitForCacheSync(): Promise<void> {
    return this.informers.waitForSync();
  }

  cacheSyncState(): CacheState[] {
    return this.informers.syncState();
  }

  stopCaches(): Promise<void> {
    return this.informers.stop();
  }

  /** Starts every controller's workers and enqueues the keys of everything already cached. */
  startControllers(): void {
    for (const { controller, watches } of this.controllers)
      controller.start(() => initialKeys(watches));
  }

  async stopControllers(): Promise<void> {
    await Promise.all(this.controllers.map(({ controller }) => controller.stop()));
  }

  private register(reg: ControllerRegistration): void {
    const name = reg.reconciler.name;
    if (this.controllers.some(({ controller }) => controller.name === name))
      throw new Error(`two controllers named ${name}`);
    const controller = new Controller({
      reconciler: reg.reconciler,
      logger: this.opts.logger,
      workers: reg.workers,
      metrics: this.opts.metrics,
      timers: this.opts.timers,
    });
    for (const watch of reg.watches)
      watch.subscribe(
        (keys) => controller.enqueue(keys),
        () => controller.isRunning(),
      );
    this.controllers.push({ controller, watches: reg.watches });
  }
}

function* initialKeys(watches: readonly BoundWatch[]): Iterable<ObjectKey> {
  for (const watch of watches) yield* watch.cachedKeys();
}
