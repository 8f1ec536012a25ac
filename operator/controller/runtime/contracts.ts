/**
 * Contracts between the controller runtime (informers, queue, leader election) and the
 * reconcilers. The runtime lives in operator/controller/runtime/, reconcilers elsewhere.
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

/** Read-only view of an informer's cache. */
export interface ObjectCache<T> {
  get(key: ObjectKey): T | undefined;
  list(namespace?: string): T[];
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
}

/** An error that must not be retried: the reconciler has already recorded why. */
export class TerminalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TerminalError";
  }
}

/** Injected clock, so tests control time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
