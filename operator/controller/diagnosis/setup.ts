/**
 * The Diagnosis controller's wiring: the indexes its mappers read, what it watches (Diagnoses;
 * the collector Jobs and their pods, by label; Nodes), and its reconciler's collaborators.
 */

import { analyzeCollectorReport } from "../../analysis/analyzeReport.js";
import type { OperatorControllerDeps } from "../controllerDeps.js";
import type { CachedDiagnosis } from "../kinds/diagnosisTransform.js";
import type { MetricsRegistrar, ObjectCache, ObjectKey, Reconciler } from "../runtime/contracts.js";
import { CollectorJobs } from "./collectorJobs.js";
import { CollectorSlots, jobFinished } from "./collectorSlots.js";
import { DEFAULT_RECONCILER_TIMINGS, DiagnosisReconciler } from "./diagnosisReconciler.js";
import { DiagnosisStatusWriter, type PendingTriggerRecords } from "./diagnosisStatusWriter.js";
import {
  diagnosesOnNode,
  diagnosisIndexes,
  diagnosisKeyOfJob,
  JOB_UID_INDEX,
  podJobUid,
  queuedDiagnoses,
} from "./diagnosisWatches.js";
import { EventRecorder } from "./eventRecorder.js";
import { OpenDiagnosisCap, STARTED_OPEN_INDEX, startedOpenNamespace } from "./openDiagnosisCap.js";
import { ReportReader } from "./reportReader.js";
import { TargetResolver } from "./targetResolver.js";

export interface DiagnosisControllerDeps extends OperatorControllerDeps {
  /** Shorter waits (tests); production uses the defaults. */
  timings?: Partial<typeof DEFAULT_RECONCILER_TIMINGS>;
  /** Called with every reconcile key (tests count reconciles to rule out retry storms). */
  onReconcile?: (key: ObjectKey) => void;
  /** The pod-restart trigger's records not written yet, if it runs. */
  triggerRecords?: PendingTriggerRecords;
}

export function setupDiagnosisController(deps: DiagnosisControllerDeps): void {
  const { manager, kinds, config, clock, logger } = deps;
  // The Pod cache holds the operator namespace: collector pods are read from it, and their
  // events wake their Diagnosis. Otherwise they are listed from the API.
  const collectorPodsCached =
    config.watchNamespaces.length === 0 || config.watchNamespaces.includes(config.namespace);
  for (const [name, fn] of Object.entries(diagnosisIndexes))
    manager.indexField(kinds.diagnoses, name, fn);
  manager.indexField(kinds.diagnoses, STARTED_OPEN_INDEX, startedOpenNamespace);
  if (collectorPodsCached) manager.indexField(kinds.pods, JOB_UID_INDEX, podJobUid);
  const diagnoses = manager.cache(kinds.diagnoses);

  const client = deps.client;
  const timings = { ...DEFAULT_RECONCILER_TIMINGS, ...deps.timings };
  const reconciler = new DiagnosisReconciler({
    client,
    diagnoses,
    targets: new TargetResolver({
      client,
      pods: manager.cache(kinds.pods),
      nodes: manager.cache(kinds.nodes),
      clock,
      unscheduledGraceSeconds: timings.unscheduledGraceSeconds,
      collectorTolerations: config.collectorTolerations,
    }),
    jobs: new CollectorJobs({
      client,
      jobs: manager.cache(kinds.jobs),
      pods: manager.cache(kinds.pods),
      slots: new CollectorSlots(
        { maxJobsPerNode: config.maxJobsPerNode, maxJobs: config.maxJobs },
        clock,
      ),
      logger,
      options: {
        operatorNamespace: config.namespace,
        collectorImage: config.collectorImage,
        collectorServiceAccount: config.collectorServiceAccount,
        collectorCpuRequest: config.collectorCpuRequest,
        collectorMemoryRequest: config.collectorMemoryRequest,
        collectorCpuLimit: config.collectorCpuLimit,
        collectorMemoryLimit: config.collectorMemoryLimit,
        collectorPriorityClass: config.collectorPriorityClass,
        collectorTolerations: config.collectorTolerations,
        collectorImagePullSecrets: config.collectorImagePullSecrets,
        collectorPodsCached,
      },
    }),
    reports: new ReportReader({ client, analyze: analyzeCollectorReport }),
    status: new DiagnosisStatusWriter({
      client,
      triggerRecords: deps.triggerRecords,
      events: new EventRecorder(client, clock, logger, config.identity),
      clock,
      findingsCounter: deps.metrics.counter(
        "diagnose_findings_total",
        "Findings of completed Diagnoses by namespace, workload, code and severity; each counted once, when its Diagnosis completes.",
        ["namespace", "workload", "code", "severity"],
      ),
    }),
    openCap: new OpenDiagnosisCap(config.maxOpenPerNamespace, diagnoses),
    clock,
    timings,
    maxQueuedSeconds: config.maxQueuedSeconds,
  });
  const onReconcile = deps.onReconcile;
  const counted: Reconciler = onReconcile
    ? {
        name: reconciler.name,
        reconcile: (key) => {
          onReconcile(key);
          return reconciler.reconcile(key);
        },
      }
    : reconciler;

  registerDiagnosesGauge(deps.metrics, diagnoses);

  const controller = manager
    .newController()
    .for(kinds.diagnoses)
    .watches(kinds.jobs, (job, old) => {
      const keys = diagnosisKeyOfJob(job, diagnoses);
      // A finished (or added/deleted) Job may have freed a slot: wake the queued ones now
      // rather than at their next poll.
      if (!old || jobFinished(job)) keys.push(...queuedDiagnoses(diagnoses));
      return keys;
    });
  if (collectorPodsCached)
    // Collector pods carry their Job's labels: a pod change (running, terminated) wakes its
    // Diagnosis, which reads the pod from the cache.
    controller.watches(kinds.pods, (pod) =>
      pod.metadata?.namespace === config.namespace ? diagnosisKeyOfJob(pod, diagnoses) : [],
    );
  controller
    // Adds and deletes only: the cache keeps node identity and taints; a taint change matters
    // at the next target resolution, not to Diagnoses already running.
    .watches(kinds.nodes, (node, old) =>
      old ? [] : diagnosesOnNode(node.metadata?.name ?? "", diagnoses),
    )
    .workers(4)
    .complete(counted);
}

const PHASES = ["Pending", "Running", "Succeeded", "Failed"] as const;

/** diagnose_diagnoses{phase}: every phase, zero included, so a dashboard shows each line. */
function registerDiagnosesGauge(
  metrics: MetricsRegistrar,
  diagnoses: ObjectCache<CachedDiagnosis>,
): void {
  metrics.registerGauge("diagnose_diagnoses", "Diagnoses in the cache by phase.", () => {
    const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
    for (const d of diagnoses.list()) {
      const phase = d.status?.phase ?? "Pending";
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    return [...counts].map(([phase, value]) => ({ labels: { phase }, value }));
  });
}
