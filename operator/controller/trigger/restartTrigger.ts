/**
 * Pod-restart trigger: a container whose restart count rose with last termination exit code 137
 * or reason OOMKilled gets a Diagnosis (trigger.source PodRestart), one per owning workload per
 * cooldown window; later restarts of that workload are recorded on it, not dropped.
 *
 * Keys come from the Pod informer (the mapper below passes only pods whose restart counts moved).
 * Restart counts last seen live in memory, per pod; they are updated only after the Diagnosis
 * side succeeded, so an error retries the same restarts, and recording is idempotent (a restart
 * already listed is not listed twice). The writes to status.trigger go through
 * TriggerStatusWriter (batched per Diagnosis, unguarded: see there why).
 *
 * Diagnoses are created with the reconciler's finalizer already on, which saves the reconciler
 * its first write (a finalizer patch) before it can create the Job.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { API_VERSION, KIND } from "../../api/v1alpha1/diagnosis.js";
import {
  CLEANUP_FINALIZER,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  TRIGGER_LABEL,
  WORKLOAD_ANNOTATION,
} from "../../api/v1alpha1/wellKnown.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";
import type { DiagnosisHead } from "../kinds/diagnosisTransform.js";
import { type LabelMatcher, parseLabelSelector } from "../labelSelector.js";
import {
  type Clock,
  type ObjectCache,
  type ObjectKey,
  objectKey,
  type ReconcileResult,
  type Reconciler,
} from "../runtime/contracts.js";
import type { Logger } from "../runtime/logger.js";
import {
  cooldownWindow,
  detectOomRestarts,
  isOomKill,
  type OomRestart,
  optedOut,
  owningWorkload,
  restartCountsMoved,
  type SeenRestarts,
  triggeredDiagnosisName,
  type Workload,
} from "./restartRules.js";
import { TriggerStatusWriter } from "./triggerStatusWriter.js";

/** Triggered Diagnoses by `namespace/Kind/name` of their workload (see triggeredWorkload). */
export const TRIGGERED_WORKLOAD_INDEX = "triggeredWorkload";

/** The index function of TRIGGERED_WORKLOAD_INDEX. */
export function triggeredWorkload(d: DiagnosisHead): string[] {
  const workload = d.metadata.annotations?.[WORKLOAD_ANNOTATION];
  if (d.metadata.labels?.[TRIGGER_LABEL] !== "PodRestart" || !workload) return [];
  return [`${d.metadata.namespace}/${workload}`];
}

/** Namespace labels change rarely; one GET per namespace per minute at most. */
const NAMESPACE_LABELS_TTL_MS = 60_000;

export type TriggerOutcome =
  | "created"
  | "recorded"
  | "duplicate"
  | "opted_out"
  | "namespace_excluded";

export interface RestartTriggerOptions {
  cooldownSeconds: number;
  /** Label selector on Namespaces; empty: all. */
  namespaceSelector: string;
}

export interface RestartTriggerDeps {
  client: ClusterClient;
  pods: ObjectCache<V1Pod>;
  diagnoses: ObjectCache<DiagnosisHead>;
  clock: Clock;
  logger: Logger;
  options: RestartTriggerOptions;
  /** Counts each OOM restart by what became of it. */
  count?: (outcome: TriggerOutcome, by: number) => void;
}

function keyOf(pod: V1Pod): ObjectKey {
  return objectKey(pod.metadata?.namespace, pod.metadata?.name ?? "");
}

export class RestartTrigger implements Reconciler {
  readonly name = "restart-trigger";
  private readonly seen = new Map<ObjectKey, SeenRestarts>();
  private readonly namespaceLabels = new Map<
    string,
    { labels: Record<string, string>; at: number }
  >();
  private readonly namespaceMatches: LabelMatcher;
  private readonly writer: TriggerStatusWriter;

  constructor(private readonly deps: RestartTriggerDeps) {
    this.namespaceMatches = parseLabelSelector(deps.options.namespaceSelector);
    this.writer = new TriggerStatusWriter({ client: deps.client, clock: deps.clock });
  }

  /**
   * Informer event -> keys. Cheap and pure over its inputs plus the seen map: updates whose
   * restart counts did not move are dropped here, so 10,000 pods' status churn costs nothing.
   */
  mapToKeys = (obj: V1Pod, oldObj?: V1Pod): ObjectKey[] => {
    const now = obj.status?.containerStatuses ?? [];
    if (!oldObj) {
      // Add (first list, new pod) or delete: only pods with an OOM-looking last termination, or
      // pods we remember (to forget them).
      const key = keyOf(obj);
      const oom = now.some((s) => s.lastState?.terminated && isOomKill(s.lastState.terminated));
      return oom || this.seen.has(key) ? [key] : [];
    }
    if (oldObj.metadata?.uid !== obj.metadata?.uid) return [keyOf(obj)];
    const old = oldObj.status?.containerStatuses ?? [];
    if (!restartCountsMoved(old, now)) return [];
    // A pod not reconciled yet: remember the counts before this update as the baseline, so two
    // quick restarts coalesced by the queue still count as two (first sight alone would say 1).
    const key = keyOf(obj);
    if (!this.seen.has(key) && obj.metadata?.uid) {
      const counts: Record<string, number> = Object.fromEntries(now.map((s) => [s.name, 0]));
      for (const s of old) counts[s.name] = s.restartCount ?? 0;
      this.seen.set(key, { uid: obj.metadata.uid, counts });
    }
    return [key];
  };

  async reconcile(key: ObjectKey): Promise<ReconcileResult | undefined> {
    const pod = this.deps.pods.get(key);
    if (!pod) {
      this.seen.delete(key);
      return undefined;
    }
    const now = this.deps.clock.now();
    const cooldownMs = this.deps.options.cooldownSeconds * 1000;
    const { restarts, seen } = detectOomRestarts(pod, this.seen.get(key), now, cooldownMs);
    if (restarts.length > 0) {
      const total = restarts.reduce((n, r) => n + r.delta, 0);
      if (optedOut(pod)) this.deps.count?.("opted_out", total);
      else if (!(await this.namespaceAllowed(pod.metadata!.namespace!)))
        this.deps.count?.("namespace_excluded", total);
      else {
        const workload = owningWorkload(pod);
        for (const r of restarts) await this.handle(pod, workload, r);
      }
    }
    this.seen.set(key, seen);
    return undefined;
  }

  private async namespaceAllowed(namespace: string): Promise<boolean> {
    if (!this.deps.options.namespaceSelector.trim()) return true;
    const now = this.deps.clock.now().getTime();
    let entry = this.namespaceLabels.get(namespace);
    if (!entry || now - entry.at > NAMESPACE_LABELS_TTL_MS) {
      const ns = await this.deps.client.getNamespace(namespace);
      entry = { labels: ns?.metadata?.labels ?? {}, at: now };
      this.namespaceLabels.set(namespace, entry);
    }
    return this.namespaceMatches(entry.labels);
  }

  /**
   * A Diagnosis of this workload created within the cooldown before the restart, if cached.
   * The Diagnosis cache must carry TRIGGERED_WORKLOAD_INDEX.
   */
  private recentDiagnosis(
    namespace: string,
    workload: Workload,
    at: Date,
  ): DiagnosisHead | undefined {
    const since = at.getTime() - this.deps.options.cooldownSeconds * 1000;
    return this.deps.diagnoses
      .byIndex(TRIGGERED_WORKLOAD_INDEX, `${namespace}/${workload.kind}/${workload.name}`)
      .find(
        (d) =>
          !d.metadata.deletionTimestamp &&
          new Date(d.metadata.creationTimestamp ?? 0).getTime() >= since,
      );
  }

  private async handle(pod: V1Pod, workload: Workload, r: OomRestart): Promise<void> {
    const namespace = pod.metadata!.namespace!;
    const recent = this.recentDiagnosis(namespace, workload, r.at);
    if (recent) {
      await this.record(namespace, recent.metadata.name!, recent.metadata.uid, pod, workload, r);
      return;
    }
    const name = triggeredDiagnosisName(
      workload.name,
      cooldownWindow(r.at, this.deps.options.cooldownSeconds),
    );
    const created = await this.deps.client.createDiagnosis({
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: {
        name,
        namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [TRIGGER_LABEL]: "PodRestart" },
        annotations: { [WORKLOAD_ANNOTATION]: `${workload.kind}/${workload.name}` },
        finalizers: [CLEANUP_FINALIZER],
      },
      spec: { target: { pod: pod.metadata!.name!, container: r.container } },
    });
    if (created !== "exists") {
      this.writer.remember(created);
      this.deps.logger.info("diagnosis created for OOM restart", {
        diagnosis: `${namespace}/${name}`,
        pod: pod.metadata!.name,
        container: r.container,
        exitCode: r.exitCode,
        reason: r.reason,
        restartCount: r.restartCount,
      });
    }
    // Created now or by an earlier attempt in this window (409): either way the restart goes on
    // its status (as its trigger when the trigger is still empty).
    await this.record(
      namespace,
      name,
      created === "exists" ? undefined : created.metadata.uid,
      pod,
      workload,
      r,
      created !== "exists",
    );
  }

  private async record(
    namespace: string,
    name: string,
    uid: string | undefined,
    pod: V1Pod,
    workload: Workload,
    r: OomRestart,
    justCreated = false,
  ): Promise<void> {
    const outcome = await this.writer.record(namespace, name, uid, {
      pod: pod.metadata!.name!,
      workload,
      restart: r,
    });
    this.deps.count?.(
      outcome === "duplicate" ? "duplicate" : justCreated ? "created" : "recorded",
      r.delta,
    );
  }
}
