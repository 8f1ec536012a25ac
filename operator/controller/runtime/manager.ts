/**
 * Wires controller registrations to informers: every watched event maps to keys that are
 * enqueued on the registration's controller. Controllers run only between startControllers()
 * and stopControllers() (i.e. while leading); informers run on every replica.
 */
import type { Logger } from "winston";
import type { OperatorMetrics } from "../metrics/operatorMetrics.js";
import type {
  ControllerRegistration,
  InformerName,
  ObjectCache,
  ObjectKey,
  WatchedObject,
  WatchRegistration,
} from "./contracts.js";
import { Controller } from "./controller.js";
import type { InformerHandler } from "./informer.js";
import type { Timers } from "./timers.js";

/** What the manager needs from an informer (an Informer or an InformerGroup). */
export interface WatchSource extends ObjectCache<WatchedObject> {
  addHandler(handler: InformerHandler<WatchedObject>): void;
}

export interface ControllerManagerOptions {
  sources: Record<InformerName, WatchSource>;
  registrations: readonly ControllerRegistration[];
  logger: Logger;
  metrics?: OperatorMetrics;
  timers?: Timers;
}

export class ControllerManager {
  readonly controllers: Controller[] = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    const names = new Set<string>();
    for (const reg of opts.registrations) {
      if (names.has(reg.reconciler.name))
        throw new Error(`two controllers named ${reg.reconciler.name}`);
      names.add(reg.reconciler.name);
      const controller = new Controller({
        reconciler: reg.reconciler,
        logger: opts.logger,
        ...(reg.workers !== undefined ? { workers: reg.workers } : {}),
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        ...(opts.timers ? { timers: opts.timers } : {}),
      });
      this.controllers.push(controller);
      for (const watch of reg.watches) {
        const source = opts.sources[watch.informer];
        if (!source)
          throw new Error(
            `controller ${reg.reconciler.name} watches unknown informer ${watch.informer}`,
          );
        source.addHandler({
          onAdd: (obj) => controller.enqueue(this.map(controller.name, watch, obj)),
          onUpdate: (oldObj, newObj) =>
            controller.enqueue(this.map(controller.name, watch, newObj, oldObj)),
          onDelete: (obj) => controller.enqueue(this.map(controller.name, watch, obj)),
        });
      }
    }
  }

  /** Start every controller's workers and enqueue the keys of everything already cached. */
  startControllers(): void {
    this.opts.registrations.forEach((reg, i) => {
      const controller = this.controllers[i] as Controller;
      controller.start(() => this.initialKeys(controller.name, reg.watches));
    });
  }

  async stopControllers(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
  }

  private *initialKeys(
    controller: string,
    watches: readonly WatchRegistration[],
  ): Iterable<ObjectKey> {
    for (const watch of watches) {
      for (const obj of this.opts.sources[watch.informer].list())
        yield* this.map(controller, watch, obj);
    }
  }

  private map(
    controller: string,
    watch: WatchRegistration,
    obj: WatchedObject,
    oldObj?: WatchedObject,
  ): ObjectKey[] {
    try {
      return watch.mapToKeys(obj, oldObj);
    } catch (err) {
      this.opts.logger.error("mapToKeys threw; event dropped", {
        controller,
        informer: watch.informer,
        object: `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`,
        error: String(err),
      });
      return [];
    }
  }
}
