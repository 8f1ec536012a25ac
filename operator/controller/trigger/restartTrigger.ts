/**
 * Pod-restart trigger: a container whose last termination was exit code 137 or reason OOMKilled
 * gets a Diagnosis (trigger.source PodRestart), one per owning workload per cooldown window;
 * later restarts of that workload are recorded on it, not dropped.
 *
 * Keys come from the Pod informer (the mapper below passes only pods whose restart counts moved,
 * or that show an OOM kill when first seen). reconcile(pod) re-reads the world: the restarts the
 * workload's Diagnoses record (the cache, our own newer copies and records not written yet, see
 * TriggerStatusWriter), and counts what lies above them (restartRules.ts). Nothing about a pod
 * is remembered between reconciles, so a new leader, a restarted operator or a missed event
 * count exactly what the Diagnoses do not record yet. The writes to status.trigger go through
 * TriggerStatusWriter (coalesced per Diagnosis).
 *
 * Diagnoses are created with the reconciler's finalizer already on, which saves the reconciler
 * its first write (a finalizer patch) before it can create the Job.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { API_VERSION, type Diagnosis, KIND } from "../../api/v1alpha1/diagnosis.js";
import {
  CLEANUP_FINALIZER,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  TRIGGER_LABEL,
  WORKLOAD_ANNOTATION,
} from "../../api/v1alpha1/wellKnown.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";
import type { PendingTriggerRecords } from "../diagnosis/diagnosisStatusWriter.js";
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
import type { KeyChannel } from "../runtime/keyChannel.js";
import type { Logger } from "../runtime/logger.js";
import type { Timers } from "../runtime/timers.js";
import {
  cooldownWindow,
  isOomKill,
  newRestarts,
  type OomTermination,
  oomTerminations,
  optedOut,
  owningWorkload,
  recordedRestart,
  restartCountsMoved,
  restartRecord,
  type TriggerView,
  triggeredDiagnosisName,
  type Workload,
} from "./restartRules.js";
import { TriggerStatusWriter, type WriteTimings } from "./triggerStatusWriter.js";

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
  timers?: Timers;
  logger: Logger;
  options: RestartTriggerOptions;
  /** Pods to reconcile again (their records' Diagnosis vanished before the write). */
  requeue: KeyChannel;
  /** How status writes are coalesced (tests shorten them). */
  writeTimings?: Partial<WriteTimings>;
  /** Counts OOM restarts by what became of them. */
  count?: (outcome: TriggerOutcome, by: number) => void;
}

function keyOf(pod: V1Pod): ObjectKey {
  return objectKey(pod.metadata?.namespace, pod.metadata?.name ?? "");
}

function showsOomKill(pod: V1Pod): boolean {
  return (pod.status?.containerStatuses ?? []).some(
    (s) => s.restartCount > 0 && s.lastState?.terminated && isOomKill(s.lastState.terminated),
  );
}

export class RestartTrigger implements Reconciler {
  readonly name = "restart-trigger";
  private readonly namespaceLabels = new Map<
    string,
    { labels: Record<string, string>; at: number }
  >();
  private readonly namespaceMatches: LabelMatcher;
  private readonly writer: TriggerStatusWriter;
  /** Creates in flight by workload key: a second restart of the workload waits for it. */
  private readonly creating = new Map<ObjectKey, Promise<TriggerView | "exists">>();

  constructor(private readonly deps: RestartTriggerDeps) {
    this.namespaceMatches = parseLabelSelector(deps.options.namespaceSelector);
    this.writer = new TriggerStatusWriter({
      client: deps.client,
      clock: deps.clock,
      timers: deps.timers,
      timings: deps.writeTimings,
      workloadKey: triggeredWorkload,
      onOutcome: (outcome, record, counted) =>
        deps.count?.(
          outcome === "duplicate" ? "duplicate" : record.created ? "created" : "recorded",
          outcome === "duplicate" ? record.count : counted,
        ),
      onDropped: (podKeys) => deps.requeue.send(podKeys),
      onError: (diagnosis, err) =>
        deps.logger.warn("recording restarts failed, retrying", {
          diagnosis,
          error: err instanceof Error ? err.message : String(err),
        }),
    });
  }

  /**
   * Informer event -> keys. Pure and cheap: updates whose restart counts did not move are
   * dropped here, so 10,000 pods' status churn costs nothing; a pod seen for the first time (the
   * initial list, a new leader's replay) is reconciled when it shows an OOM kill.
   */
  mapToKeys = (obj: V1Pod, oldObj?: V1Pod): ObjectKey[] => {
    if (!oldObj) return showsOomKill(obj) ? [keyOf(obj)] : [];
    if (oldObj.metadata?.uid !== obj.metadata?.uid) return showsOomKill(obj) ? [keyOf(obj)] : [];
    const before = oldObj.status?.containerStatuses ?? [];
    const now = obj.status?.containerStatuses ?? [];
    return restartCountsMoved(before, now) && showsOomKill(obj) ? [keyOf(obj)] : [];
  };

  async reconcile(key: ObjectKey): Promise<ReconcileResult | undefined> {
    // A pod being deleted restarted all the same: its restarts count too.
    const pod = this.deps.pods.get(key);
    if (!pod) return undefined;
    const kills = oomTerminations(pod);
    if (kills.length === 0) return undefined;
    const namespace = pod.metadata!.namespace!;
    const now = this.deps.clock.now();
    const cutoff = new Date(now.getTime() - this.deps.options.cooldownSeconds * 1000);
    const workload = owningWorkload(pod);
    const workloadKey = `${namespace}/${workload.kind}/${workload.name}`;
    const diagnoses = this.workloadDiagnoses(workloadKey);
    const unwritten = this.writer.unwrittenFor(workloadKey);
    const podRef = { name: pod.metadata!.name!, uid: pod.metadata?.uid };
    const fresh: Array<{ t: OomTermination; count: number }> = [];
    for (const t of kills) {
      const recorded = recordedRestart(diagnoses, unwritten, podRef, t.container);
      const count = newRestarts(t, recorded, pod.metadata?.creationTimestamp, cutoff);
      if (count > 0) fresh.push({ t, count });
    }
    if (fresh.length === 0) return undefined;
    const total = fresh.reduce((n, f) => n + f.count, 0);
    if (optedOut(pod)) {
      this.deps.count?.("opted_out", total);
      return undefined;
    }
    if (!(await this.namespaceAllowed(namespace))) {
      this.deps.count?.("namespace_excluded", total);
      return undefined;
    }
    for (const { t, count } of fresh) {
      const at = t.finishedAt ?? now;
      const record = (target: TriggerView, created: boolean): void =>
        this.writer.add(
          { namespace, name: target.metadata.name!, uid: target.metadata.uid, workloadKey },
          {
            ...restartRecord(podRef, t, count, now),
            podKey: key,
            workload: workload.name,
            created,
          },
        );
      const target = this.recentDiagnosis(diagnoses, at);
      if (target) record(target, false);
      else {
        const created = await this.createDiagnosis(pod, workload, t, at, workloadKey, record);
        if (created) diagnoses.push(created);
      }
    }
    return undefined;
  }

  /** Restart records not written yet, for another status write to carry (see claim()). */
  get pendingRecords(): PendingTriggerRecords {
    return this.writer;
  }

  async stopped(): Promise<void> {
    await this.writer.stop();
    this.namespaceLabels.clear();
  }

  /**
   * The workload's Diagnoses, each as fresh as known: our own last written copy (its trigger is
   * newer than the cache's until the watch catches up), else the cache's; plus those we created
   * that the cache does not show yet. The cache must carry TRIGGERED_WORKLOAD_INDEX.
   */
  private workloadDiagnoses(workloadKey: string): TriggerView[] {
    const byKey = new Map<ObjectKey, TriggerView>();
    for (const d of this.deps.diagnoses.byIndex(TRIGGERED_WORKLOAD_INDEX, workloadKey)) {
      const key = objectKey(d.metadata.namespace, d.metadata.name!);
      byKey.set(key, this.writer.current(key, d.metadata.uid) ?? d);
    }
    for (const d of this.writer.knownFor(workloadKey)) {
      const key = objectKey(d.metadata.namespace, d.metadata.name!);
      if (!byKey.has(key)) byKey.set(key, d);
    }
    return [...byKey.values()];
  }

  /** A Diagnosis of the workload created within the cooldown before the restart. */
  private recentDiagnosis(diagnoses: readonly TriggerView[], at: Date): TriggerView | undefined {
    const since = at.getTime() - this.deps.options.cooldownSeconds * 1000;
    return diagnoses.find(
      (d) =>
        !d.metadata.deletionTimestamp &&
        new Date(d.metadata.creationTimestamp ?? 0).getTime() >= since,
    );
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
   * Creates the workload's Diagnosis for the window of `at` and records the restart on it; one
   * already there under that name (created by an earlier attempt or another worker, and not
   * cached yet) is the one to record on. Returns the Diagnosis if this call created it.
   *
   * `record` runs as soon as the create answers, before anything else awaits: the Diagnosis
   * reconciler hears of the new Diagnosis at that moment (the write-through cache), and its
   * first status write carries the records waiting by then (TriggerStatusWriter.claim).
   */
  private async createDiagnosis(
    pod: V1Pod,
    workload: Workload,
    t: OomTermination,
    at: Date,
    workloadKey: string,
    record: (target: TriggerView, created: boolean) => void,
  ): Promise<TriggerView | undefined> {
    const namespace = pod.metadata!.namespace!;
    const name = triggeredDiagnosisName(
      workload.name,
      cooldownWindow(at, this.deps.options.cooldownSeconds),
    );
    const body: Diagnosis = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: {
        name,
        namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [TRIGGER_LABEL]: "PodRestart" },
        annotations: { [WORKLOAD_ANNOTATION]: `${workload.kind}/${workload.name}` },
        finalizers: [CLEANUP_FINALIZER],
      },
      spec: { target: { pod: pod.metadata!.name!, container: t.container } },
    };
    // Two workers reconciling pods of one workload would both create (one 409, or two
    // Diagnoses when their restarts straddle a window's end): the second waits for the first.
    for (let inFlight = this.creating.get(workloadKey); inFlight; ) {
      await inFlight.catch(() => undefined);
      inFlight = this.creating.get(workloadKey);
    }
    // One created since this reconcile read the workload's Diagnoses (remembered at once).
    const known = this.recentDiagnosis(this.writer.knownFor(workloadKey), at);
    if (known) {
      record(known, false);
      return undefined;
    }
    const creating = this.deps.client.createDiagnosis(body);
    this.creating.set(workloadKey, creating);
    let created: Diagnosis | "exists";
    try {
      created = await creating;
    } finally {
      if (this.creating.get(workloadKey) === creating) this.creating.delete(workloadKey);
    }
    if (created === "exists") {
      record(body, false);
      return undefined;
    }
    this.writer.remember(created);
    record(created, true);
    this.deps.logger.info("diagnosis created for OOM restart", {
      diagnosis: `${namespace}/${name}`,
      pod: pod.metadata!.name,
      container: t.container,
      exitCode: t.exitCode,
      reason: t.reason,
      restartCount: t.restartCount,
    });
    return created;
  }
}
