/**
 * Diagnosis reconciler: level-triggered; each call re-reads the Diagnosis, its target pod and node,
 * its collector Job (caches; the API only when a cache misses, which may mean it has not caught
 * up, or the pod is in a namespace the Pod informer does not watch) and moves the
 * status one step: finalizer -> spec check -> target resolved + preliminary findings -> Job created
 * (or queued for a slot) -> collector result read -> Completed, or Failed with the reason.
 *
 * Decisions recorded here:
 * - A pod that is not scheduled yet (or whose container has not started) is waited for, briefly
 *   (unscheduledGraceSeconds, default 30): a Diagnosis applied right after its pod is common, and
 *   the collector needs a node and a container ID. After that: Failed PodNotScheduled /
 *   ContainerNotStarted. The wait polls with requeueAfter, never by erroring (no backoff storm).
 * - A node that is gone before or while the collector runs: Failed NodeGone, the Job deleted.
 * - The target pod is checked until the Job exists; afterwards the collector itself reports a
 *   vanished container, and its report is still worth reading.
 * - A Job that is gone before its result was read (TTL while the operator was down): Failed
 *   JobGone; never a second Job for the same Diagnosis.
 */
import type { V1Job, V1Node, V1Pod, V1Toleration } from "@kubernetes/client-node";
import type { Logger } from "winston";
import { parseQuantity } from "../../analysis/parseQuantity.js";
import { chooseContainer, podSpecFindings } from "../../analysis/podSpecRules.js";
import type {
  Diagnosis,
  DiagnosisStatus,
  Finding,
  ResolvedTarget,
} from "../../api/v1alpha1/diagnosis.js";
import { boundReportEvidence } from "../../report/boundEvidence.js";
import type { CollectorReport } from "../../report/collectorReport.js";
import {
  COMPLETED,
  type ConditionInput,
  changedConditions,
  derivePhase,
  FAILED,
  findCondition,
  isTrue,
  JOB_CREATED,
  setCondition,
} from "../conditions.js";
import {
  bareContainerId,
  buildCollectorJob,
  COLLECTOR_CONTAINER,
  type CollectorTarget,
  collectorCommand,
  collectorJobName,
  diagnosisLabels,
} from "../jobs/collectorJob.js";
import { type CollectorResult, readCollectorResult } from "../report/readCollectorReport.js";
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
import { type CollectorSlots, jobFinished } from "./collectorSlots.js";
import {
  DEFAULT_TIMEOUT_SECONDS,
  effectiveChecks,
  mergeFindings,
  profileSettings,
  specProblem,
  stableStringify,
  verdictFor,
} from "./diagnosisRules.js";
import type { EventSink, EventType } from "./eventRecorder.js";

export const FINALIZER = "diagnose.dev/cleanup-job";
/** Set by the Job controller on the pods of a Job. */
const JOB_UID_LABEL = "batch.kubernetes.io/controller-uid";
/** Set by the trigger on Diagnoses it creates; without it a Diagnosis is Manual. */
export const TRIGGER_LABEL = "diagnose.dev/trigger";

export interface DiagnosisReconcilerOptions {
  operatorNamespace: string;
  collectorImage: string;
  collectorServiceAccount: string;
  collectorCpuLimit: string;
  collectorMemoryLimit: string;
  collectorPriorityClass: string;
  /** Absent: tolerate every taint. */
  collectorTolerations?: V1Toleration[];
  unscheduledGraceSeconds: number;
  /** Poll interval while queued for a collector slot or waiting for the target. */
  waitRequeueMs: number;
  /** Poll interval while the collector runs (node still there?); Job events wake it sooner. */
  runningRequeueMs: number;
  /**
   * The Pod cache holds the operator namespace (no --watch-namespaces, or it is listed): the
   * collector pods are read from it, and their events wake the Diagnosis (see setup.ts).
   * Otherwise they are listed from the API.
   */
  collectorPodsCached?: boolean;
}

export const DEFAULT_RECONCILER_TIMINGS = {
  unscheduledGraceSeconds: 30,
  waitRequeueMs: 3000,
  runningRequeueMs: 10_000,
};

export interface DiagnosisReconcilerDeps {
  client: ClusterClient;
  diagnoses: ObjectCache<Diagnosis>;
  jobs: ObjectCache<V1Job>;
  /** Trimmed pods (runtime/podTransform.ts keeps what target resolution reads). */
  pods: ObjectCache<V1Pod>;
  /** Node metadata: existence is all the reconciler asks. */
  nodes: ObjectCache<V1Node>;
  slots: CollectorSlots;
  events: EventSink;
  clock: Clock;
  logger: Logger;
  /** CollectorReport -> findings (operator/analysis/analyzeReport.ts). */
  analyze: (report: CollectorReport) => Finding[];
  options: DiagnosisReconcilerOptions;
}

type StatusFields = Partial<Record<keyof DiagnosisStatus, unknown>>;

interface ExtraEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** Event reasons for condition transitions (the rest use the condition's own reason). */
const EVENT_REASON: Record<string, string> = {
  WaitingForTarget: "Pending",
  CollectorRunning: "Running",
};

type Resolution =
  | {
      kind: "ready";
      nodeName: string;
      target: ResolvedTarget;
      collectorTarget: CollectorTarget;
      preliminary: Finding[];
    }
  | { kind: "wait"; message: string; giveUpReason: string }
  | { kind: "fail"; reason: string; message: string };

export class DiagnosisReconciler implements Reconciler {
  readonly name = "diagnosis";

  constructor(private readonly deps: DiagnosisReconcilerDeps) {}

  async reconcile(key: ObjectKey): Promise<ReconcileResult | undefined> {
    const cached = this.deps.diagnoses.get(key);
    if (!cached) return undefined;
    if (cached.metadata.deletionTimestamp) {
      await this.finalize(cached);
      return undefined;
    }
    let d = cached;
    const finalizers = d.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) {
      // First, so no Job can exist without a finalizer that will delete it.
      d = await this.deps.client.setDiagnosisFinalizers(
        d.metadata.namespace!,
        d.metadata.name!,
        d.metadata.resourceVersion!,
        [...finalizers, FINALIZER],
      );
    }
    const jobName = collectorJobName(d.metadata.name!, d.metadata.uid!);
    const conditions = d.status?.conditions;
    if (isTrue(conditions, COMPLETED) || isTrue(conditions, FAILED)) {
      this.deps.slots.release(jobName);
      if (isTrue(conditions, FAILED)) await this.deleteJobIfActive(jobName);
      return undefined;
    }

    const problem = specProblem(d.spec);
    if (problem) return this.fail(d, jobName, "InvalidSpec", problem);

    if (!isTrue(conditions, JOB_CREATED)) return this.startCollector(d, jobName);
    return this.watchCollector(d, jobName);
  }

  // ---- before the Job exists ----------------------------------------------------------------

  private async startCollector(
    d: Diagnosis,
    jobName: string,
  ): Promise<ReconcileResult | undefined> {
    const resolution = await this.resolveTarget(d);
    if (resolution.kind === "fail")
      return this.fail(d, jobName, resolution.reason, resolution.message);
    if (resolution.kind === "wait") {
      const ageMs =
        this.deps.clock.now().getTime() - new Date(d.metadata.creationTimestamp ?? 0).getTime();
      if (ageMs > this.deps.options.unscheduledGraceSeconds * 1000)
        return this.fail(
          d,
          jobName,
          resolution.giveUpReason,
          `${resolution.message} after ${this.deps.options.unscheduledGraceSeconds}s`,
        );
      await this.write(d, {
        conditions: [
          {
            type: JOB_CREATED,
            status: "False",
            reason: "WaitingForTarget",
            message: resolution.message,
          },
        ],
      });
      return { requeueAfterMs: this.deps.options.waitRequeueMs };
    }

    const checks = effectiveChecks(d.spec);
    // Preliminary findings, written with the first status that knows the target; the collector's
    // findings replace them later.
    const preliminary: StatusFields = { target: resolution.target };
    if (!d.status?.findings?.length && resolution.preliminary.length) {
      preliminary.findings = mergeFindings([], resolution.preliminary);
      preliminary.verdict = verdictFor(resolution.preliminary, checks);
    }

    // Already in the cache when our JobCreated write lost a conflict after the create.
    const cachedJob = this.deps.jobs.get(objectKey(this.deps.options.operatorNamespace, jobName));
    if (!cachedJob && d.status?.jobName !== jobName) {
      const cachedJobs = this.deps.jobs.list(this.deps.options.operatorNamespace);
      const slot = this.deps.slots.tryReserve(jobName, resolution.nodeName, cachedJobs);
      if (!slot.ok) {
        await this.write(
          d,
          {
            conditions: [
              {
                type: JOB_CREATED,
                status: "False",
                reason: "Queued",
                message: `waiting for a collector slot: ${slot.message}`,
              },
            ],
            fields: preliminary,
          },
          this.preliminaryEvent(d, preliminary),
        );
        return { requeueAfterMs: this.deps.options.waitRequeueMs };
      }
    }

    const job = buildCollectorJob({
      namespace: this.deps.options.operatorNamespace,
      name: jobName,
      labels: diagnosisLabels({
        namespace: d.metadata.namespace!,
        name: d.metadata.name!,
        uid: d.metadata.uid!,
      }),
      image: this.deps.options.collectorImage,
      serviceAccount: this.deps.options.collectorServiceAccount,
      nodeName: resolution.nodeName,
      command: collectorCommand({
        target: resolution.collectorTarget,
        checks,
        profile: profileSettings(d.spec),
      }),
      cpuLimit: this.deps.options.collectorCpuLimit,
      memoryLimit: this.deps.options.collectorMemoryLimit,
      priorityClass: this.deps.options.collectorPriorityClass,
      ...(this.deps.options.collectorTolerations
        ? { tolerations: this.deps.options.collectorTolerations }
        : {}),
      activeDeadlineSeconds: d.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    });
    let created: V1Job | "exists";
    try {
      created = cachedJob ? "exists" : await this.deps.client.createJob(job);
    } catch (err) {
      this.deps.slots.release(jobName);
      throw err;
    }
    this.deps.logger.info("collector job created", {
      diagnosis: `${d.metadata.namespace}/${d.metadata.name}`,
      job: jobName,
      node: resolution.nodeName,
      existed: created === "exists",
    });
    await this.write(
      d,
      {
        conditions: [
          {
            type: JOB_CREATED,
            status: "True",
            reason: "JobCreated",
            message: `collector Job ${this.deps.options.operatorNamespace}/${jobName} on node ${resolution.nodeName}`,
          },
        ],
        fields: {
          ...preliminary,
          jobName,
          startTime: d.status?.startTime ?? this.deps.clock.now().toISOString(),
        },
      },
      this.preliminaryEvent(d, preliminary),
    );
    return { requeueAfterMs: this.deps.options.runningRequeueMs };
  }

  private preliminaryEvent(d: Diagnosis, fields: StatusFields): ExtraEvent[] {
    if (!fields.verdict || d.status?.findings?.length) return [];
    return [{ type: "Normal", reason: "PreliminaryFindings", message: String(fields.verdict) }];
  }

  private async resolveTarget(d: Diagnosis): Promise<Resolution> {
    const ns = d.metadata.namespace!;
    const targetNode = d.spec.target.node;
    if (targetNode) {
      if (!(await this.nodeExists(targetNode)))
        return {
          kind: "fail",
          reason: "TargetNotFound",
          message: `node ${targetNode} not found`,
        };
      return {
        kind: "ready",
        nodeName: targetNode,
        target: { node: targetNode },
        collectorTarget: { node: targetNode },
        preliminary: [],
      };
    }
    const podName = d.spec.target.pod!;
    const pod =
      this.deps.pods.get(objectKey(ns, podName)) ?? (await this.deps.client.getPod(ns, podName));
    if (!pod)
      return { kind: "fail", reason: "TargetNotFound", message: `pod ${ns}/${podName} not found` };
    const container = chooseContainer(pod, d.spec.target.container);
    if (!container)
      return {
        kind: "fail",
        reason: "InvalidSpec",
        message: `pod ${ns}/${podName} has no container ${d.spec.target.container}`,
      };
    const nodeName = pod.spec?.nodeName;
    if (!nodeName)
      return {
        kind: "wait",
        message: `pod ${ns}/${podName} is not scheduled to a node yet`,
        giveUpReason: "PodNotScheduled",
      };
    if (!(await this.nodeExists(nodeName)))
      return {
        kind: "fail",
        reason: "NodeGone",
        message: `node ${nodeName} of pod ${ns}/${podName} no longer exists`,
      };
    const status = pod.status?.containerStatuses?.find((s) => s.name === container.name);
    if (!status?.containerID)
      return {
        kind: "wait",
        message: `container ${container.name} of pod ${ns}/${podName} has not started yet`,
        giveUpReason: "ContainerNotStarted",
      };
    return {
      kind: "ready",
      nodeName,
      target: resolvedTarget(pod, nodeName, container.name, status.containerID, status.image),
      collectorTarget: { containerId: bareContainerId(status.containerID) },
      preliminary: podSpecFindings(pod, container.name),
    };
  }

  /**
   * From the Node cache; a miss (gone, or created after the cache last heard) is confirmed with
   * the API before anything fails on it, so only the rare path pays a request.
   */
  private async nodeExists(name: string): Promise<boolean> {
    if (this.deps.nodes.get(name)) return true;
    return (await this.deps.client.getNode(name)) !== undefined;
  }

  // ---- while the Job runs -------------------------------------------------------------------

  /**
   * The Job's pods, from the Pod cache when it holds the operator namespace. The Pod and Job
   * watches are separate streams, so a finished Job may be seen before its pod's terminated
   * state: then the API is asked, before "finished but no result" can fail the Diagnosis.
   */
  private async collectorPods(ns: string, job: V1Job): Promise<V1Pod[]> {
    const uid = job.metadata!.uid!;
    if (this.deps.options.collectorPodsCached) {
      const cached = this.deps.pods
        .list(ns)
        .filter((p) => p.metadata?.labels?.[JOB_UID_LABEL] === uid);
      const terminated = cached.some(
        (p) =>
          p.status?.containerStatuses?.find((s) => s.name === COLLECTOR_CONTAINER)?.state
            ?.terminated,
      );
      if (terminated || !jobFinished(job)) return cached;
    }
    return this.deps.client.listPods(ns, `${JOB_UID_LABEL}=${uid}`);
  }

  private async watchCollector(
    d: Diagnosis,
    jobName: string,
  ): Promise<ReconcileResult | undefined> {
    const ns = this.deps.options.operatorNamespace;
    const job =
      this.deps.jobs.get(objectKey(ns, jobName)) ?? (await this.deps.client.getJob(ns, jobName));
    if (!job)
      return this.fail(
        d,
        jobName,
        "JobGone",
        `collector Job ${ns}/${jobName} disappeared before its result was read`,
      );
    const pods = await this.collectorPods(ns, job);
    for (const pod of pods) {
      const status = pod.status?.containerStatuses?.find((s) => s.name === COLLECTOR_CONTAINER);
      const terminated = status?.state?.terminated;
      if (!terminated) continue;
      const result = await readCollectorResult(this.deps.client, {
        namespace: ns,
        pod: pod.metadata!.name!,
        container: COLLECTOR_CONTAINER,
        terminated,
      });
      if (result.source === "none") {
        // A passing API hiccup is retried with backoff; anything else is final.
        if (result.transient) throw new Error(result.problem);
        return this.fail(d, jobName, "ReportUnavailable", result.problem);
      }
      return this.complete(d, result);
    }

    const failed = (job.status?.conditions ?? []).find(
      (c) => (c.type === "Failed" || c.type === "FailureTarget") && c.status === "True",
    );
    if (failed) {
      const reason = failed.reason ? `Job${failed.reason}` : "JobFailed";
      return this.fail(
        d,
        jobName,
        /^[A-Za-z][A-Za-z0-9]*$/.test(reason) ? reason : "JobFailed",
        `collector Job ${ns}/${jobName} failed: ${failed.message ?? failed.reason ?? "no reason given"}`,
      );
    }
    if (jobFinished(job))
      return this.fail(
        d,
        jobName,
        "ReportUnavailable",
        `collector Job ${ns}/${jobName} finished but its pod is gone`,
      );

    const nodeName = job.spec?.template.spec?.nodeName;
    if (nodeName && !(await this.nodeExists(nodeName)))
      return this.fail(
        d,
        jobName,
        "NodeGone",
        `node ${nodeName} disappeared while the collector was pending or running`,
      );

    const running = pods.find((p) => p.status?.phase === "Running");
    if (
      running &&
      findCondition(d.status?.conditions, JOB_CREATED)?.reason !== "CollectorRunning"
    ) {
      await this.write(d, {
        conditions: [
          {
            type: JOB_CREATED,
            status: "True",
            reason: "CollectorRunning",
            message: `collector pod ${ns}/${running.metadata!.name} is running on node ${nodeName}`,
          },
        ],
      });
    }
    return { requeueAfterMs: this.deps.options.runningRequeueMs };
  }

  private async complete(
    d: Diagnosis,
    result: Exclude<CollectorResult, { source: "none" }>,
  ): Promise<undefined> {
    const checks = effectiveChecks(d.spec);
    const podSpec = (d.status?.findings ?? []).filter((f) => f.source === "PodSpec");
    const collector =
      result.source === "log" ? this.deps.analyze(result.report) : result.compact.findings;
    const findings = mergeFindings(collector, podSpec);
    const verdict = verdictFor(findings, checks);
    const report =
      result.source === "log"
        ? boundReportEvidence(result.report, "log")
        : {
            schemaVersion: result.compact.reportSchemaVersion,
            source: "terminationMessage",
            collector: { version: result.compact.collectorVersion },
            checks: result.compact.checks,
            findingsLeftOut: result.compact.truncated ?? 0,
            logProblem: result.logProblem,
          };
    await this.write(d, {
      conditions: [{ type: COMPLETED, status: "True", reason: "Succeeded", message: verdict }],
      fields: {
        findings,
        verdict,
        report,
        completionTime: this.deps.clock.now().toISOString(),
      },
    });
    return undefined;
  }

  // ---- endings ------------------------------------------------------------------------------

  /** Records Failed (reason, message), frees the collector slot, and stops retries. */
  private async fail(
    d: Diagnosis,
    jobName: string,
    reason: string,
    message: string,
  ): Promise<never> {
    await this.deleteJobIfActive(jobName);
    this.deps.slots.release(jobName);
    await this.write(d, {
      conditions: [{ type: FAILED, status: "True", reason, message }],
      fields: { completionTime: this.deps.clock.now().toISOString() },
    });
    throw new TerminalError(`${reason}: ${message}`);
  }

  private async deleteJobIfActive(jobName: string): Promise<void> {
    const job = this.deps.jobs.get(objectKey(this.deps.options.operatorNamespace, jobName));
    if (job && !jobFinished(job) && !job.metadata?.deletionTimestamp)
      await this.deps.client.deleteJob(this.deps.options.operatorNamespace, jobName);
  }

  private async finalize(d: Diagnosis): Promise<void> {
    const finalizers = d.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return;
    const jobName = d.status?.jobName ?? collectorJobName(d.metadata.name!, d.metadata.uid!);
    // An ownerReference cannot cross namespaces, so the Job goes here, pods with it (Background).
    await this.deps.client.deleteJob(this.deps.options.operatorNamespace, jobName);
    this.deps.slots.release(jobName);
    await this.deps.client.setDiagnosisFinalizers(
      d.metadata.namespace!,
      d.metadata.name!,
      d.metadata.resourceVersion!,
      finalizers.filter((f) => f !== FINALIZER),
    );
  }

  /**
   * The one status writer: applies condition changes through the conditions helper, derives the
   * phase, writes only when something changed, then records an Event per transition.
   *
   * The merge patch stays guarded by resourceVersion although the trigger writes status.trigger
   * too: this writer decides conditions from what it read, so it must not write from a stale
   * view. The trigger's patch is unguarded (it owns status.trigger alone) and so never fails on
   * ours; when it lands between our read and write, ours gets a ConflictError, which the runtime
   * requeues quietly and the next reconcile decides again from the newer object.
   */
  private async write(
    d: Diagnosis,
    change: { conditions?: ConditionInput[]; fields?: StatusFields },
    extraEvents: ExtraEvent[] = [],
  ): Promise<Diagnosis> {
    const now = this.deps.clock.now();
    let conditions = d.status?.conditions;
    for (const c of change.conditions ?? [])
      conditions = setCondition(conditions, c, d.metadata.generation, now);
    const status: StatusFields = {
      ...change.fields,
      conditions,
      phase: derivePhase(conditions),
      observedGeneration: d.metadata.generation,
    };
    if (!d.status?.trigger && !d.metadata.labels?.[TRIGGER_LABEL])
      status.trigger = { source: "Manual" };
    const current = (d.status ?? {}) as StatusFields;
    const changed = (Object.keys(status) as (keyof DiagnosisStatus)[]).some(
      (k) => stableStringify(current[k]) !== stableStringify(status[k]),
    );
    if (!changed) return d;
    const updated = await this.deps.client.patchDiagnosisStatus(
      d.metadata.namespace!,
      d.metadata.name!,
      d.metadata.resourceVersion!,
      status,
    );
    for (const e of extraEvents) this.deps.events.record(updated, e.type, e.reason, e.message);
    for (const c of changedConditions(d.status?.conditions, conditions)) {
      if (c.status !== "True" && c.reason !== "Queued" && c.reason !== "WaitingForTarget") continue;
      const type: EventType = c.type === FAILED ? "Warning" : "Normal";
      const reason = c.type === COMPLETED ? "Succeeded" : (EVENT_REASON[c.reason] ?? c.reason);
      this.deps.events.record(updated, type, reason, c.message);
    }
    return updated;
  }
}

function resolvedTarget(
  pod: V1Pod,
  nodeName: string,
  container: string,
  containerID: string,
  image: string | undefined,
): ResolvedTarget {
  const spec = pod.spec!.containers.find((c) => c.name === container);
  const memory = parseQuantity(spec?.resources?.limits?.memory);
  const cpu = parseQuantity(spec?.resources?.limits?.cpu);
  const target: ResolvedTarget = {
    node: nodeName,
    podUID: pod.metadata!.uid!,
    container,
    containerID,
  };
  if (image ?? spec?.image) target.image = image ?? spec?.image;
  if (memory !== undefined) target.memoryLimitBytes = Math.round(memory);
  if (cpu !== undefined) target.cpuLimitMillis = Math.round(cpu * 1000);
  return target;
}
