/** The operator's own metric families, created once per registry and handed to the runtime. */
import type { Counter, Gauge, Histogram, MetricsRegistry } from "./registry.js";

export interface OperatorMetrics {
  reconcileTotal: Counter;
  reconcileErrors: Counter;
  reconcileConflicts: Counter;
  reconcileDuration: Histogram;
  queueDepth: Gauge;
  queueAdds: Counter;
  queueRetries: Counter;
  watchRestarts: Counter;
  relists: Counter;
  informerSynced: Gauge;
  informerObjects: Gauge;
  leader: Gauge;
}

const P = "diagnose_operator";

export function createOperatorMetrics(registry: MetricsRegistry): OperatorMetrics {
  registry.registerGauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => [
    { labels: {}, value: process.memoryUsage.rss() },
  ]);
  return {
    reconcileTotal: registry.counter(
      `${P}_reconcile_total`,
      "Reconciles by controller and result (success, requeue, conflict, error, terminal).",
      ["controller", "result"],
    ),
    reconcileErrors: registry.counter(
      `${P}_reconcile_errors_total`,
      "Reconciles that threw, by controller.",
      ["controller"],
    ),
    reconcileConflicts: registry.counter(
      `${P}_reconcile_conflicts_total`,
      "Reconciles whose write met a newer object (409) and were requeued, by controller.",
      ["controller"],
    ),
    reconcileDuration: registry.histogram(
      `${P}_reconcile_duration_seconds`,
      "Reconcile duration by controller.",
      ["controller"],
    ),
    queueDepth: registry.gauge(`${P}_workqueue_depth`, "Keys waiting in the work queue.", [
      "queue",
    ]),
    queueAdds: registry.counter(`${P}_workqueue_adds_total`, "Keys added to the work queue.", [
      "queue",
    ]),
    queueRetries: registry.counter(
      `${P}_workqueue_retries_total`,
      "Rate-limited re-adds after a failure.",
      ["queue"],
    ),
    watchRestarts: registry.counter(
      `${P}_watch_restarts_total`,
      "Watch streams restarted, by informer and reason (closed, error, gone).",
      ["informer", "reason"],
    ),
    relists: registry.counter(
      `${P}_informer_relists_total`,
      "Full lists after start, 410 Gone or a failed re-watch.",
      ["informer"],
    ),
    informerSynced: registry.gauge(
      `${P}_informer_synced`,
      "1 once the informer's initial list is cached.",
      ["informer"],
    ),
    informerObjects: registry.gauge(`${P}_informer_objects`, "Objects in the informer's cache.", [
      "informer",
    ]),
    leader: registry.gauge(`${P}_leader`, "1 while this replica holds the leader Lease.", []),
  };
}
