/**
 * The runtime's metric families. Reconciles, work queues and API requests go under the names
 * and labels controller-runtime and client-go export (pkg/internal/controller/metrics,
 * pkg/metrics/workqueue.go, pkg/metrics/client_go_adapter.go), so dashboards and alerts written
 * for controller-runtime operators work unchanged. What controller-runtime has no name for
 * (informer restarts and sync, leadership, write conflicts) goes under `<prefix>_`.
 */
import type { Counter, Gauge, Histogram, MetricsRegistry } from "./metricsRegistry.js";

export interface RuntimeMetrics {
  /** {controller, result}: success, error, requeue (rate-limited), requeue_after. */
  reconcileTotal: Counter;
  reconcileErrors: Counter;
  terminalReconcileErrors: Counter;
  reconcileTime: Histogram;
  reconcileConflicts: Counter;
  /** Work queue families: {name, controller}, both the controller's name. */
  queueDepth: Gauge;
  queueAdds: Counter;
  queueRetries: Counter;
  queueDuration: Histogram;
  /** {code, method, host}; code "<error>" when no response came. */
  restClientRequests: Counter;
  watchRestarts: Counter;
  relists: Counter;
  informerSynced: Gauge;
  informerObjects: Gauge;
  leader: Gauge;
}

/** controller-runtime's reconcile time buckets (seconds). */
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's queue latency buckets: 10 ns to 1000 s, x10 each. */
const QUEUE_DURATION_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

const QUEUE_LABELS = ["name", "controller"] as const;

/** Creates the families in `registry`; `prefix` names the ones controller-runtime has no name for. */
export function createRuntimeMetrics(registry: MetricsRegistry, prefix: string): RuntimeMetrics {
  registry.registerGauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => [
    { labels: {}, value: process.memoryUsage.rss() },
  ]);
  return {
    reconcileTotal: registry.counter(
      "controller_runtime_reconcile_total",
      "Total number of reconciliations per controller, by result (success, error, requeue, requeue_after).",
      ["controller", "result"],
    ),
    reconcileErrors: registry.counter(
      "controller_runtime_reconcile_errors_total",
      "Total number of reconciliation errors per controller (terminal ones included).",
      ["controller"],
    ),
    terminalReconcileErrors: registry.counter(
      "controller_runtime_terminal_reconcile_errors_total",
      "Total number of terminal reconciliation errors per controller (not retried).",
      ["controller"],
    ),
    reconcileTime: registry.histogram(
      "controller_runtime_reconcile_time_seconds",
      "Length of time per reconciliation per controller.",
      ["controller"],
      RECONCILE_TIME_BUCKETS,
    ),
    reconcileConflicts: registry.counter(
      `${prefix}_reconcile_conflicts_total`,
      "Reconciles whose write met a newer object (409) and were requeued, by controller.",
      ["controller"],
    ),
    queueDepth: registry.gauge("workqueue_depth", "Current depth of workqueue.", QUEUE_LABELS),
    queueAdds: registry.counter(
      "workqueue_adds_total",
      "Total number of adds handled by workqueue.",
      QUEUE_LABELS,
    ),
    queueRetries: registry.counter(
      "workqueue_retries_total",
      "Total number of retries handled by workqueue.",
      QUEUE_LABELS,
    ),
    queueDuration: registry.histogram(
      "workqueue_queue_duration_seconds",
      "How long in seconds an item stays in workqueue before being requested.",
      QUEUE_LABELS,
      QUEUE_DURATION_BUCKETS,
    ),
    restClientRequests: registry.counter(
      "rest_client_requests_total",
      "Number of HTTP requests, partitioned by status code, method, and host.",
      ["code", "method", "host"],
    ),
    watchRestarts: registry.counter(
      `${prefix}_watch_restarts_total`,
      "Watch streams restarted, by informer and reason (closed: the server's normal end; error; gone: 410; idle: silent past the idle deadline).",
      ["informer", "reason"],
    ),
    relists: registry.counter(
      `${prefix}_informer_relists_total`,
      "Full lists after start, 410 Gone or a failed re-watch.",
      ["informer"],
    ),
    informerSynced: registry.gauge(
      `${prefix}_informer_synced`,
      "1 once the informer's initial list is cached.",
      ["informer"],
    ),
    informerObjects: registry.gauge(
      `${prefix}_informer_objects`,
      "Objects in the informer's cache.",
      ["informer"],
    ),
    leader: registry.gauge(`${prefix}_leader`, "1 while this replica holds the leader Lease.", []),
  };
}
