/**
 * Diagnosis reconciler: level-triggered; each call re-reads the Diagnosis from the cache and
 * moves its status one step along
 *
 *   finalizer -> spec checked -> target resolved (or waited for) -> slot taken (or Queued)
 *     -> Job created -> collector running -> result read -> Completed
 *
 * or to Failed, with the reason, from any step that cannot go on (throwing TerminalError, so it
 * is not retried). What each step knows lives in TargetResolver, CollectorJobs, ReportReader and
 * DiagnosisStatusWriter; this class only decides which step comes next.
 *
 * Decisions recorded here:
 * - A node that is gone before or while the collector runs: Failed NodeGone, the Job deleted.
 * - The target pod is checked until the Job exists; afterwards the collector itself reports a
 *   vanished container, and its report is still worth reading.
 * - A Job that is gone before its result was read (TTL while the operator was down): Failed
 *   JobGone; never a second Job for the same Diagnosis.
 * - A result that cannot be read because of a passing API hiccup is retried with backoff
 *   (throw); any other unreadable result is Failed ReportUnavailable.
 * - A namespace with too many unfinished Diagnoses: the new one is Failed TooManyOpenDiagnoses at
 *   its first reconcile (OpenDiagnosisCap says why not at admission).
 * - Waiting for a slot longer than maxQueuedSeconds (counted from when the Diagnosis started
 *   waiting, for its target and then a slot): Failed QueuedTooLong.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { CLEANUP_FINALIZER } from "../../api/v1alpha1/wellKnown.js";
import { COLLECTOR_CONTAINER, reportTokenOf } from "../jobs/collectorJob.js";
import {
  type CachedDiagnosis,
  cacheDiagnosis,
  type DiagnosisHead,
} from "../kinds/diagnosisTransform.js";
import {
  type Clock,
  type ObjectCache,
  type ObjectKey,
  objectKey,
  type ReconcileResult,
  type Reconciler,
  TerminalError,
} from "../runtime/contracts.js";
import type { ClusterClient } from "./clusterClient.js";
import { type CollectorJobs, finishedCollector, jobFailure } from "./collectorJobs.js";
import { jobFinished } from "./collectorSlots.js";
import { COMPLETED, FAILED, findCondition, isTrue, JOB_CREATED } from "./conditions.js";
import { specProblem } from "./diagnosisRules.js";
import type { DiagnosisStatusWriter } from "./diagnosisStatusWriter.js";
import { hasStarted, type OpenDiagnosisCap } from "./openDiagnosisCap.js";
import type { ReportReader } from "./reportReader.js";
import type { TargetResolver } from "./targetResolver.js";

export const DEFAULT_RECONCILER_TIMINGS = {
  /** How long a pod may stay unscheduled (or its container not started) before Failed. */
  unscheduledGraceSeconds: 30,
  /** Poll interval while queued for a collector slot or waiting for the target. */
  waitRequeueMs: 3000,
  /** Poll interval while the collector runs (node still there?); Job events wake it sooner. */
  runningRequeueMs: 10_000,
};

export interface DiagnosisReconcilerDeps {
  client: Pick<ClusterClient, "setDiagnosisFinalizers" | "getDiagnosis">;
  diagnoses: ObjectCache<CachedDiagnosis>;
  targets: TargetResolver;
  jobs: CollectorJobs;
  reports: ReportReader;
  status: DiagnosisStatusWriter;
  openCap: OpenDiagnosisCap;
  clock: Clock;
  timings: { waitRequeueMs: number; runningRequeueMs: number };
  /** Longest wait for a collector slot before Failed QueuedTooLong. */
  maxQueuedSeconds: number;
}

export class DiagnosisReconciler implements Reconciler {
  readonly name = "diagnosis";

  constructor(private readonly deps: DiagnosisReconcilerDeps) {}

  async reconcile(key: ObjectKey): Promise<ReconcileResult | undefined> {
    const cached = this.deps.diagnoses.get(key);
    if (!cached) return undefined;
    if (cached.metadata.deletionTimestamp) return this.finalize(cached);
    const d = await this.ensureFinalizer(cached);
    const jobName = this.deps.jobs.nameFor(d);
    const conditions = d.status?.conditions;
    if (isTrue(conditions, COMPLETED) || isTrue(conditions, FAILED))
      return this.finished(d, jobName);
    const problem = specProblem(d.spec);
    if (problem) return this.fail(d, jobName, "InvalidSpec", problem);
    if (!hasStarted(d)) {
      const cap = this.deps.openCap.admit(d);
      if (!cap.ok) return this.fail(d, jobName, "TooManyOpenDiagnoses", cap.message);
    }
    if (!isTrue(conditions, JOB_CREATED)) return this.startCollector(d, jobName);
    return this.watchCollector(d, jobName);
  }

  /** Before the Job exists: resolve the target, take a slot, create the Job. */
  private async startCollector(d: CachedDiagnosis, jobName: string): Promise<ReconcileResult> {
    const target = await this.deps.targets.resolve(d);
    if (target.kind === "fail") return this.fail(d, jobName, target.reason, target.message);
    if (target.kind === "wait") {
      await this.deps.status.waitingForTarget(d, target.message);
      return { requeueAfterMs: this.deps.timings.waitRequeueMs };
    }
    const facts = { target: target.target, preliminary: target.preliminary };
    const slot = this.deps.jobs.admit(d, jobName, target.nodeName);
    if (!slot.ok) {
      const maxMs = this.deps.maxQueuedSeconds * 1000;
      const waitedMs = this.waitingMs(d);
      if (waitedMs >= maxMs)
        return this.fail(
          d,
          jobName,
          "QueuedTooLong",
          `waited ${Math.round(waitedMs / 1000)}s for a collector slot, the most the operator allows is ${this.deps.maxQueuedSeconds}s: ${slot.message}`,
        );
      await this.deps.status.queued(d, slot.message, facts);
      return {
        requeueAfterMs: Math.max(1, Math.min(this.deps.timings.waitRequeueMs, maxMs - waitedMs)),
      };
    }
    await this.deps.jobs.create(d, jobName, target);
    const job = { namespace: this.deps.jobs.namespace, name: jobName, node: target.nodeName };
    await this.deps.status.jobCreated(d, job, facts);
    return { requeueAfterMs: this.deps.timings.runningRequeueMs };
  }

  /** While the Job runs: read its result once the collector ended, else check on it. */
  private async watchCollector(
    d: CachedDiagnosis,
    jobName: string,
  ): Promise<ReconcileResult | undefined> {
    const ns = this.deps.jobs.namespace;
    const job = await this.deps.jobs.get(jobName);
    if (!job)
      return this.fail(
        d,
        jobName,
        "JobGone",
        `collector Job ${ns}/${jobName} disappeared before its result was read`,
      );
    const pods = await this.deps.jobs.pods(job);
    const ended = pods.find((p) => finishedCollector(p));
    if (ended) return this.readResult(d, jobName, ended, reportTokenOf(job));

    const failure = jobFailure(job);
    if (failure)
      return this.fail(
        d,
        jobName,
        failure.reason,
        `collector Job ${ns}/${jobName} failed: ${failure.message}`,
      );
    if (jobFinished(job))
      return this.fail(
        d,
        jobName,
        "ReportUnavailable",
        `collector Job ${ns}/${jobName} finished but its pod is gone`,
      );
    const nodeName = job.spec?.template.spec?.nodeName;
    if (nodeName && !(await this.deps.targets.nodeExists(nodeName)))
      return this.fail(
        d,
        jobName,
        "NodeGone",
        `node ${nodeName} disappeared while the collector was pending or running`,
      );
    const running = pods.find((p) => p.status?.phase === "Running");
    if (running && findCondition(d.status?.conditions, JOB_CREATED)?.reason !== "CollectorRunning")
      await this.deps.status.collectorRunning(
        d,
        `collector pod ${ns}/${running.metadata!.name} is running on node ${nodeName}`,
      );
    return { requeueAfterMs: this.deps.timings.runningRequeueMs };
  }

  private async readResult(
    cached: CachedDiagnosis,
    jobName: string,
    pod: V1Pod,
    reportToken: string | undefined,
  ): Promise<undefined> {
    // The cache has no findings: the pod-spec ones the result merges with are on the stored
    // object. Gone (or another object of the name): its delete event ends it.
    const d = await this.deps.client.getDiagnosis(
      cached.metadata.namespace!,
      cached.metadata.name!,
    );
    if (!d || d.metadata.uid !== cached.metadata.uid) return undefined;
    const outcome = await this.deps.reports.read(d, {
      namespace: this.deps.jobs.namespace,
      pod: pod.metadata!.name!,
      container: COLLECTOR_CONTAINER,
      terminated: finishedCollector(pod)!,
      reportToken,
    });
    if (outcome.kind === "unavailable") {
      if (outcome.transient) throw new Error(outcome.problem);
      return this.fail(d, jobName, "ReportUnavailable", outcome.problem);
    }
    await this.deps.status.completed(d, outcome);
    return undefined;
  }

  /** Since JobCreated went False (waiting for the target, then a slot); 0 before that. */
  private waitingMs(d: CachedDiagnosis): number {
    const c = findCondition(d.status?.conditions, JOB_CREATED);
    if (c?.status !== "False") return 0;
    return Math.max(0, this.deps.clock.now().getTime() - new Date(c.lastTransitionTime).getTime());
  }

  // ---- endings ------------------------------------------------------------------------------

  /** Completed or Failed: the slot is free again, and a failed Diagnosis' Job is stopped. */
  private async finished(d: CachedDiagnosis, jobName: string): Promise<undefined> {
    this.deps.jobs.release(jobName);
    this.deps.openCap.forget(objectKey(d.metadata.namespace, d.metadata.name!));
    if (isTrue(d.status?.conditions, FAILED)) await this.deps.jobs.deleteIfActive(jobName);
    return undefined;
  }

  /** Records Failed (reason, message), stops the Job, frees its slot, and stops retries. */
  private async fail(
    d: DiagnosisHead,
    jobName: string,
    reason: string,
    message: string,
  ): Promise<never> {
    await this.deps.jobs.deleteIfActive(jobName);
    this.deps.jobs.release(jobName);
    await this.deps.status.failed(d, reason, message);
    throw new TerminalError(`${reason}: ${message}`);
  }

  /** First of all, so no Job can exist without a finalizer that will delete it. */
  private async ensureFinalizer(d: CachedDiagnosis): Promise<CachedDiagnosis> {
    const finalizers = d.metadata.finalizers ?? [];
    if (finalizers.includes(CLEANUP_FINALIZER)) return d;
    const updated = await this.deps.client.setDiagnosisFinalizers(
      d.metadata.namespace!,
      d.metadata.name!,
      d.metadata.resourceVersion!,
      [...finalizers, CLEANUP_FINALIZER],
    );
    return cacheDiagnosis(updated);
  }

  /** Being deleted: the Job goes first (an ownerReference cannot cross namespaces). */
  private async finalize(d: CachedDiagnosis): Promise<undefined> {
    const finalizers = d.metadata.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) return undefined;
    await this.deps.jobs.delete(d.status?.jobName ?? this.deps.jobs.nameFor(d));
    await this.deps.client.setDiagnosisFinalizers(
      d.metadata.namespace!,
      d.metadata.name!,
      d.metadata.resourceVersion!,
      finalizers.filter((f) => f !== CLEANUP_FINALIZER),
    );
    return undefined;
  }
}
