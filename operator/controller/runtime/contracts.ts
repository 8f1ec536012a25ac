import type { KubeConfig, V1Job, V1Node, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "winston";
import type { Diagnosis } from "../../api/v1alpha1/diagnosis.js";
import type { OperatorConfig } from "../config.js";

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

// ---------------------------------------------------------------------------------------------
// Wiring between main.ts (runtime) and the reconcilers. The reconciler side exports
// `setupControllers(deps: ControllerDeps): ControllerRegistration[]` from
// operator/controller/diagnosis/setup.ts; main.ts builds the deps, registers every watch as an
// event handler that enqueues the mapped keys, and runs the workers only while leading.
// ---------------------------------------------------------------------------------------------

/** The informers main.ts builds; their caches are shared by every controller. */
export type InformerName = "diagnoses" | "pods" | "jobs" | "nodes";

/** Minimal object shape every informer delivers to mapToKeys. */
export interface WatchedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
    deletionTimestamp?: Date | string;
  };
}

export interface WatchRegistration {
  informer: InformerName;
  /**
   * Keys of this controller to enqueue when `obj` is added, updated or deleted (for deletes,
   * the last cached state). `oldObj` is set on updates, so a trigger can compare restart counts;
   * most mappers ignore it. Must be pure and cheap: it runs on the informer's event path.
   */
  mapToKeys(obj: WatchedObject, oldObj?: WatchedObject): ObjectKey[];
}

export interface ControllerRegistration {
  reconciler: Reconciler;
  watches: WatchRegistration[];
  /** Concurrent workers for this controller (default 2). Keys are never processed concurrently. */
  workers?: number;
}

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

/** Read-only caches shared by the controllers; typed loosely on purpose (informer payloads). */
export interface SharedCaches<
  TDiagnosis = unknown,
  TPod = unknown,
  TJob = unknown,
  TNode = unknown,
> {
  diagnoses: ObjectCache<TDiagnosis>;
  pods: ObjectCache<TPod>;
  jobs: ObjectCache<TJob>;
  /** Node metadata only (name, uid): enough to tell that a node exists or vanished. */
  nodes: ObjectCache<TNode>;
}

/**
 * What main.ts hands to `setupControllers` (operator/controller/diagnosis/setup.ts).
 * Pods in the cache are trimmed by the Pod informer's transform (see runtime/podTransform.ts):
 * only metadata, spec.nodeName, spec.containers[name,image,resources.limits,env(name,value),args,
 * command] and status.phase/containerStatuses[name,containerID,restartCount,state/lastState.terminated,image].
 * Nodes are trimmed to metadata.name/uid/resourceVersion/creation/deletionTimestamp.
 */
export interface ControllerDeps {
  kubeConfig: KubeConfig;
  config: OperatorConfig;
  clock: Clock;
  logger: Logger;
  caches: SharedCaches<Diagnosis, V1Pod, V1Job, V1Node>;
  metrics: MetricsRegistrar;
}

export type SetupControllers = (deps: ControllerDeps) => ControllerRegistration[];
