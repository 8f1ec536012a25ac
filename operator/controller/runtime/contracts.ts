/**
 * Contracts between the controller runtime (informers, queue, leader election) and the
 * reconcilers. The runtime lives in operator/controller/runtime/ and knows no product type; the
 * reconcilers and the kinds they watch live elsewhere.
 */

/** `namespace/name`, or `name` for cluster-scoped objects. */
export type ObjectKey = string;

export function objectKey(namespace: string | undefined, name: string): ObjectKey {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitObjectKey(key: ObjectKey): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * The values an object is found under in a named index (controller-runtime's IndexField
 * extractor): cheap and pure, it runs on every stored change of the object.
 */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** Read-only view of an informer's cache. */
export interface ObjectCache<T> {
  get(key: ObjectKey): T | undefined;
  list(namespace?: string): T[];
  /** Objects under `value` in the index `name` (registered before; an unknown name throws). */
  byIndex(name: string, value: string): T[];
  /** True once the initial list has been loaded. */
  hasSynced(): boolean;
}

export interface ReconcileResult {
  /** Reconcile this key again after a delay (for polling-style waits), without counting as a failure. */
  requeueAfterMs?: number;
}

/**
 * reconcile(key) re-reads the world, computes the desired state and applies the difference.
 * Throw to retry with per-key backoff; throw TerminalError after recording a Failed condition
 * to stop retrying.
 */
export interface Reconciler {
  readonly name: string;
  reconcile(key: ObjectKey): Promise<ReconcileResult | undefined>;
  /**
   * The controller stopped (leadership ended, or shutdown), after its last reconcile returned:
   * finish or drop work started off the reconcile path, keep nothing for a next run.
   */
  stopped?(): Promise<void>;
}

/** An error that must not be retried: the reconciler has already recorded why. */
export class TerminalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TerminalError";
  }
}

/**
 * The object changed since the resourceVersion a write was based on (HTTP 409 on update/patch).
 * Not a failure: the controller requeues quietly and the next reconcile reads the newer object.
 */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

/** Injected clock, so tests control time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A gauge sample: label values by label name. */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

/** The part of the metrics registry reconcilers may use. */
export interface MetricsRegistrar {
  /** A gauge whose samples are computed at scrape time (e.g. diagnoses by phase and verdict). */
  registerGauge(name: string, help: string, collect: () => GaugeSample[]): void;
  /** A counter; inc(labels, by=1). Same name twice returns the same counter. */
  counter(
    name: string,
    help: string,
    labelNames?: readonly string[],
  ): {
    inc(labels?: Record<string, string>, by?: number): void;
  };
}
