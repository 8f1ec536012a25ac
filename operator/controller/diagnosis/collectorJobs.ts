/**
 * A Diagnosis' collector Job, from admission to deletion: a slot under the per-node and cluster
 * caps, creation under a deterministic name (409 = it exists: never a second Job for one
 * Diagnosis), the Job and its pods as the caches show them (the API when they lag), and
 * deletion. The Job lives in the operator's namespace; an ownerReference cannot cross
 * namespaces, so the reconciler's finalizer deletes it.
 */
import type {
  V1ContainerStateTerminated,
  V1Job,
  V1Pod,
  V1Toleration,
} from "@kubernetes/client-node";
import { JOB_CONTROLLER_UID_LABEL } from "../../api/v1alpha1/wellKnown.js";
import {
  buildCollectorJob,
  COLLECTOR_CONTAINER,
  type CollectorTarget,
  collectorCommand,
  collectorDeadlineSeconds,
  collectorJobName,
  diagnosisLabels,
  newReportToken,
} from "../jobs/collectorJob.js";
import type { DiagnosisHead } from "../kinds/diagnosisTransform.js";
import { type ObjectCache, objectKey } from "../runtime/contracts.js";
import type { Logger } from "../runtime/logger.js";
import type { ClusterClient } from "./clusterClient.js";
import { type CollectorSlots, jobFinished, type SlotDecision } from "./collectorSlots.js";
import { DEFAULT_TIMEOUT_SECONDS, effectiveChecks, profileSettings } from "./diagnosisRules.js";
import { JOB_UID_INDEX } from "./diagnosisWatches.js";

export interface CollectorJobOptions {
  operatorNamespace: string;
  collectorImage: string;
  collectorServiceAccount: string;
  collectorCpuRequest: string;
  collectorMemoryRequest: string;
  collectorCpuLimit: string;
  collectorMemoryLimit: string;
  collectorPriorityClass: string;
  /** Absent: tolerate every taint. */
  collectorTolerations?: V1Toleration[];
  collectorImagePullSecrets?: readonly string[];
  /**
   * The Pod cache holds the operator namespace (indexed by JOB_UID_INDEX): collector pods are
   * read from it. Otherwise they are listed from the API.
   */
  collectorPodsCached?: boolean;
}

export interface CollectorJobsDeps {
  client: Pick<ClusterClient, "createJob" | "deleteJob" | "getJob" | "listPods">;
  jobs: ObjectCache<V1Job>;
  pods: ObjectCache<V1Pod>;
  slots: CollectorSlots;
  logger: Logger;
  options: CollectorJobOptions;
  /** A fresh report token per Job (default: 128 random bits); injected by tests. */
  newReportToken?: () => string;
}

export class CollectorJobs {
  readonly namespace: string;

  constructor(private readonly deps: CollectorJobsDeps) {
    this.namespace = deps.options.operatorNamespace;
  }

  nameFor(d: DiagnosisHead): string {
    return collectorJobName(d.metadata.name!, d.metadata.uid!);
  }

  /**
   * Takes a collector slot for the Job on `node`, unless the Job exists: in the cache (our
   * JobCreated write lost a conflict after the create) or recorded in the status.
   */
  admit(d: DiagnosisHead, jobName: string, node: string): SlotDecision {
    if (this.cached(jobName) || d.status?.jobName === jobName) return { ok: true };
    return this.deps.slots.tryReserve(
      {
        name: jobName,
        namespace: d.metadata.namespace!,
        node,
        since: new Date(d.metadata.creationTimestamp ?? 0).getTime(),
      },
      this.deps.jobs.list(this.namespace),
    );
  }

  /** Creates the Job unless the cache shows it (409: it exists); a failed create frees its slot. */
  async create(
    d: DiagnosisHead,
    jobName: string,
    target: { nodeName: string; collectorTarget: CollectorTarget },
  ): Promise<void> {
    let created: V1Job | "exists";
    try {
      created = this.cached(jobName)
        ? "exists"
        : await this.deps.client.createJob(this.build(d, jobName, target));
    } catch (err) {
      this.deps.slots.release(jobName);
      throw err;
    }
    // Said once per Job: a retry that finds it (a status write lost a conflict after the
    // create) made nothing.
    const fields = {
      diagnosis: `${d.metadata.namespace}/${d.metadata.name}`,
      job: jobName,
      node: target.nodeName,
    };
    if (created === "exists") this.deps.logger.debug("collector job already exists", fields);
    else this.deps.logger.info("collector job created", fields);
  }

  /** The Job from the cache, else the API (the cache may not have caught up). */
  async get(jobName: string): Promise<V1Job | undefined> {
    return this.cached(jobName) ?? (await this.deps.client.getJob(this.namespace, jobName));
  }

  /**
   * The Job's pods, from the Pod cache when it holds the operator namespace. The Pod and Job
   * watches are separate streams, so a finished Job may be seen before its pod's terminated
   * state: then the API is asked, before "finished but no result" can fail the Diagnosis.
   */
  async pods(job: V1Job): Promise<V1Pod[]> {
    const uid = job.metadata!.uid!;
    if (this.deps.options.collectorPodsCached) {
      const cached = this.deps.pods
        .byIndex(JOB_UID_INDEX, uid)
        .filter((p) => p.metadata?.namespace === this.namespace);
      if (cached.some((p) => finishedCollector(p)) || !jobFinished(job)) return cached;
    }
    return this.deps.client.listPods(this.namespace, `${JOB_CONTROLLER_UID_LABEL}=${uid}`);
  }

  /** Frees the Job's slot (it finished, failed, or was never created). */
  release(jobName: string): void {
    this.deps.slots.release(jobName);
  }

  /** Stops a Job still running (cached, unfinished, not being deleted). */
  async deleteIfActive(jobName: string): Promise<void> {
    const job = this.cached(jobName);
    if (job && !jobFinished(job) && !job.metadata?.deletionTimestamp)
      await this.deps.client.deleteJob(this.namespace, jobName);
  }

  /** Deletes the Job, its pods with it (Background); a missing Job is fine. */
  async delete(jobName: string): Promise<void> {
    await this.deps.client.deleteJob(this.namespace, jobName);
    this.deps.slots.release(jobName);
  }

  private cached(jobName: string): V1Job | undefined {
    return this.deps.jobs.get(objectKey(this.namespace, jobName));
  }

  private build(
    d: DiagnosisHead,
    jobName: string,
    target: { nodeName: string; collectorTarget: CollectorTarget },
  ): V1Job {
    const o = this.deps.options;
    const activeDeadlineSeconds = d.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const reportToken = (this.deps.newReportToken ?? newReportToken)();
    const checks = effectiveChecks(d.spec);
    return buildCollectorJob({
      namespace: this.namespace,
      name: jobName,
      labels: diagnosisLabels({
        namespace: d.metadata.namespace!,
        name: d.metadata.name!,
        uid: d.metadata.uid!,
      }),
      image: o.collectorImage,
      serviceAccount: o.collectorServiceAccount,
      nodeName: target.nodeName,
      command: collectorCommand({
        target: target.collectorTarget,
        checks,
        profile: profileSettings(d.spec),
        reportToken,
        deadlineSeconds: collectorDeadlineSeconds(activeDeadlineSeconds),
      }),
      checks,
      cpuRequest: o.collectorCpuRequest,
      memoryRequest: o.collectorMemoryRequest,
      cpuLimit: o.collectorCpuLimit,
      memoryLimit: o.collectorMemoryLimit,
      priorityClass: o.collectorPriorityClass,
      ...(o.collectorTolerations ? { tolerations: o.collectorTolerations } : {}),
      ...(o.collectorImagePullSecrets?.length
        ? { imagePullSecrets: o.collectorImagePullSecrets }
        : {}),
      activeDeadlineSeconds,
      reportToken,
    });
  }
}

/** The collector container's terminated state, once it has ended. */
export function finishedCollector(pod: V1Pod): V1ContainerStateTerminated | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === COLLECTOR_CONTAINER)?.state
    ?.terminated;
}

/** Why the Job failed (the Job controller's Failed or FailureTarget condition), if it did. */
export function jobFailure(job: V1Job): { reason: string; message: string } | undefined {
  const failed = (job.status?.conditions ?? []).find(
    (c) => (c.type === "Failed" || c.type === "FailureTarget") && c.status === "True",
  );
  if (!failed) return undefined;
  const reason = failed.reason ? `Job${failed.reason}` : "JobFailed";
  return {
    reason: /^[A-Za-z][A-Za-z0-9]*$/.test(reason) ? reason : "JobFailed",
    message: failed.message ?? failed.reason ?? "no reason given",
  };
}
