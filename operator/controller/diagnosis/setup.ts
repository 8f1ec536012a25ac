/**
 * Wires the reconcilers to the runtime (see ControllerDeps in runtime/contracts.ts): the
 * Diagnosis reconciler (Diagnoses, and the collector Jobs that name them) and, when
 * --auto-trigger is on, the pod-restart trigger (Pods).
 */
import type { V1Job } from "@kubernetes/client-node";
import { analyzeCollectorReport } from "../../analysis/analyzeReport.js";
import type { Diagnosis } from "../../api/v1alpha1/diagnosis.js";
import { COMPLETED, FAILED, findCondition, isTrue, JOB_CREATED } from "../conditions.js";
import {
  DIAGNOSIS_NAME_LABEL,
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
} from "../jobs/collectorJob.js";
import {
  type ControllerDeps,
  type ControllerRegistration,
  type ObjectCache,
  type ObjectKey,
  objectKey,
  type Reconciler,
  type WatchedObject,
} from "../runtime/contracts.js";
import { RestartTrigger } from "../trigger/restartTrigger.js";
import { KubeClusterClient } from "./clusterClient.js";
import { CollectorSlots, jobFinished } from "./collectorSlots.js";
import { DEFAULT_RECONCILER_TIMINGS, DiagnosisReconciler } from "./diagnosisReconciler.js";
import { EventRecorder } from "./eventRecorder.js";

/** The Diagnosis a collector Job belongs to, from its labels. */
export function diagnosisKeyOfJob(
  job: WatchedObject,
  diagnoses: ObjectCache<Diagnosis>,
): ObjectKey[] {
  const labels = job.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY) return [];
  const ns = labels[DIAGNOSIS_NAMESPACE_LABEL];
  const name = labels[DIAGNOSIS_NAME_LABEL];
  const uid = labels[DIAGNOSIS_UID_LABEL];
  if (!ns || !name) return [];
  const direct = objectKey(ns, name);
  if (diagnoses.get(direct)?.metadata.uid === uid) return [direct];
  // Names over 63 characters are hashed in the label: find the Diagnosis by UID.
  const byUid = diagnoses.list(ns).find((d) => d.metadata.uid === uid);
  return byUid ? [objectKey(ns, byUid.metadata.name!)] : [direct];
}

function queuedDiagnoses(diagnoses: ObjectCache<Diagnosis>): ObjectKey[] {
  return diagnoses
    .list()
    .filter((d) => findCondition(d.status?.conditions, JOB_CREATED)?.reason === "Queued")
    .map((d) => objectKey(d.metadata.namespace, d.metadata.name!));
}

/**
 * The unfinished Diagnoses that run on (or target) node `name`: a Node added or deleted changes
 * their fate (NodeGone), so they are reconciled at once rather than at their next poll.
 */
export function diagnosesOnNode(name: string, diagnoses: ObjectCache<Diagnosis>): ObjectKey[] {
  return diagnoses
    .list()
    .filter((d) => {
      const c = d.status?.conditions;
      if (isTrue(c, COMPLETED) || isTrue(c, FAILED)) return false;
      return d.status?.target?.node === name || d.spec.target.node === name;
    })
    .map((d) => objectKey(d.metadata.namespace, d.metadata.name!));
}

/** Knobs tests turn (shorter waits); production uses the defaults. */
export interface SetupOverrides {
  timings?: Partial<typeof DEFAULT_RECONCILER_TIMINGS>;
  /** Called with every Diagnosis reconcile key (tests count reconciles to rule out retry storms). */
  onDiagnosisReconcile?: (key: ObjectKey) => void;
}

export function setupControllers(deps: ControllerDeps): ControllerRegistration[] {
  return setupControllersWith(deps, {});
}

export function setupControllersWith(
  deps: ControllerDeps,
  overrides: SetupOverrides,
): ControllerRegistration[] {
  const { config, clock, logger, caches } = deps;
  const client = new KubeClusterClient(deps.kubeConfig);
  const collectorPodsCached =
    config.watchNamespaces.length === 0 || config.watchNamespaces.includes(config.namespace);
  const slots = new CollectorSlots(
    { maxJobsPerNode: config.maxJobsPerNode, maxJobs: config.maxJobs },
    clock,
  );
  const events = new EventRecorder(client, clock, logger, config.identity);
  const reconciler = new DiagnosisReconciler({
    client,
    diagnoses: caches.diagnoses,
    jobs: caches.jobs,
    pods: caches.pods,
    nodes: caches.nodes,
    slots,
    events,
    clock,
    logger,
    analyze: analyzeCollectorReport,
    options: {
      operatorNamespace: config.namespace,
      collectorImage: config.collectorImage,
      collectorServiceAccount: config.collectorServiceAccount,
      collectorCpuLimit: config.collectorCpuLimit,
      collectorMemoryLimit: config.collectorMemoryLimit,
      collectorPriorityClass: config.collectorPriorityClass,
      collectorTolerations: config.collectorTolerations,
      ...DEFAULT_RECONCILER_TIMINGS,
      ...overrides.timings,
      collectorPodsCached,
    },
  });
  const onReconcile = overrides.onDiagnosisReconcile;
  const diagnosisReconciler: Reconciler = onReconcile
    ? {
        name: reconciler.name,
        reconcile: (key) => {
          onReconcile(key);
          return reconciler.reconcile(key);
        },
      }
    : reconciler;

  deps.metrics.registerGauge(
    "diagnose_diagnoses",
    "Diagnoses by phase and top finding code (empty while none).",
    () => {
      const counts = new Map<string, { phase: string; code: string; n: number }>();
      for (const d of caches.diagnoses.list()) {
        const phase = d.status?.phase ?? "Pending";
        const code = d.status?.findings?.[0]?.code ?? "";
        const k = `${phase}\u0000${code}`;
        const e = counts.get(k) ?? { phase, code, n: 0 };
        e.n++;
        counts.set(k, e);
      }
      return [...counts.values()].map((e) => ({
        labels: { phase: e.phase, verdict_code: e.code },
        value: e.n,
      }));
    },
  );

  const registrations: ControllerRegistration[] = [
    {
      reconciler: diagnosisReconciler,
      workers: 4,
      watches: [
        {
          informer: "diagnoses",
          mapToKeys: (d) => [objectKey(d.metadata?.namespace, d.metadata?.name ?? "")],
        },
        {
          informer: "jobs",
          mapToKeys: (job, old) => {
            const keys = diagnosisKeyOfJob(job, caches.diagnoses);
            // A finished (or added/deleted) Job may have freed a slot: wake the queued ones now
            // rather than at their next poll.
            if (!old || jobFinished(job as V1Job)) keys.push(...queuedDiagnoses(caches.diagnoses));
            return keys;
          },
        },
        ...(collectorPodsCached
          ? [
              {
                informer: "pods" as const,
                // Collector pods carry their Job's labels: a pod change (running, terminated)
                // wakes its Diagnosis, which reads the pod from the cache.
                mapToKeys: (pod: WatchedObject) =>
                  pod.metadata?.namespace === config.namespace
                    ? diagnosisKeyOfJob(pod, caches.diagnoses)
                    : [],
              },
            ]
          : []),
        {
          informer: "nodes",
          // Adds and deletes only: the cache keeps node identity, so updates carry no news.
          mapToKeys: (node, old) =>
            old ? [] : diagnosesOnNode(node.metadata?.name ?? "", caches.diagnoses),
        },
      ],
    },
  ];

  if (config.autoTrigger) {
    const restarts = deps.metrics.counter(
      "diagnose_trigger_restarts_total",
      "OOM restarts seen by the trigger, by what became of them.",
      ["outcome"],
    );
    const trigger = new RestartTrigger({
      client,
      pods: caches.pods,
      diagnoses: caches.diagnoses,
      clock,
      logger,
      options: {
        cooldownSeconds: config.cooldownSeconds,
        namespaceSelector: config.autoNamespaceSelector,
      },
      count: (outcome, by) => restarts.inc({ outcome }, by),
    });
    registrations.push({
      reconciler: trigger,
      workers: 4,
      watches: [{ informer: "pods", mapToKeys: trigger.mapToKeys }],
    });
  }
  return registrations;
}
