/**
 * The API calls the Diagnosis reconciler and the trigger make, behind one small interface so the
 * reconcilers read as decisions, and the HTTP details (404 -> undefined, 409 -> "exists" on
 * create and ConflictError on a guarded write, patch content types) live here.
 */
import {
  BatchV1Api,
  CoreV1Api,
  type CoreV1Event,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  type V1Namespace,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import {
  type Diagnosis,
  type DiagnosisStatus,
  GROUP,
  PLURAL,
  VERSION,
} from "../../api/v1alpha1/diagnosis.js";
import { FIELD_MANAGER } from "../../api/v1alpha1/wellKnown.js";
import { apiStatusCode } from "../runtime/apiStatusCode.js";
import { ConflictError } from "../runtime/contracts.js";
import { apiClient } from "../runtime/requestDeadline.js";

export interface ClusterClient {
  getPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  getNode(name: string): Promise<V1Node | undefined>;
  getNamespace(name: string): Promise<V1Namespace | undefined>;
  getJob(namespace: string, name: string): Promise<V1Job | undefined>;
  /** "exists" when a Job of that name is already there (409). */
  createJob(job: V1Job): Promise<V1Job | "exists">;
  /** Deletes with propagationPolicy Background; a missing Job is fine. */
  deleteJob(namespace: string, name: string): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /** The end of a container's log: its last `tailLines` lines, at most `limitBytes` of them. */
  readPodLog(
    namespace: string,
    pod: string,
    container: string,
    tail: { tailLines: number; limitBytes: number },
  ): Promise<string>;
  getDiagnosis(namespace: string, name: string): Promise<Diagnosis | undefined>;
  createDiagnosis(d: Diagnosis): Promise<Diagnosis | "exists">;
  /** Deletes the Diagnosis if it is still the one of `uid`; gone already is fine. */
  deleteDiagnosis(namespace: string, name: string, uid: string): Promise<void>;
  /**
   * JSON merge patch of the status subresource. With a resourceVersion it is guarded: a
   * ConflictError if the object changed since it was read. Without one it applies to whatever is
   * stored (for a writer that owns the fields it sends). Lists in the patch replace the stored
   * ones; null deletes a field.
   */
  patchDiagnosisStatus(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    status: Partial<Record<keyof DiagnosisStatus, unknown>>,
  ): Promise<Diagnosis>;
  /** Sets metadata.finalizers, guarded by resourceVersion (ConflictError). */
  setDiagnosisFinalizers(
    namespace: string,
    name: string,
    resourceVersion: string,
    finalizers: string[],
  ): Promise<Diagnosis>;
  /** The created Event (its generated name). */
  createEvent(event: CoreV1Event): Promise<CoreV1Event>;
  /** Moves an Event's count and lastTimestamp (a repeat of it); undefined when it is gone (404). */
  repeatEvent(
    namespace: string,
    name: string,
    repeat: { count: number; lastTimestamp: Date },
  ): Promise<CoreV1Event | undefined>;
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (apiStatusCode(err) === 404) return undefined;
    throw err;
  }
}

/** A create's 409 (a namesake is already there) as "exists". */
async function orExists<T>(p: Promise<T>): Promise<T | "exists"> {
  try {
    return await p;
  } catch (err) {
    if (apiStatusCode(err) === 409) return "exists";
    throw err;
  }
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A guarded write's 409 as a ConflictError (the runtime requeues it quietly). */
async function conflictAware<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (apiStatusCode(err) === 409) throw new ConflictError(`${what}: the object has changed`);
    throw err;
  }
}

export class KubeClusterClient implements ClusterClient {
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly custom: CustomObjectsApi;

  /** Every request fails after `requestTimeoutMs` (see requestDeadline.ts). */
  constructor(kubeConfig: KubeConfig, requestTimeoutMs: number) {
    this.core = apiClient(kubeConfig, CoreV1Api, requestTimeoutMs, FIELD_MANAGER);
    this.batch = apiClient(kubeConfig, BatchV1Api, requestTimeoutMs, FIELD_MANAGER);
    this.custom = apiClient(kubeConfig, CustomObjectsApi, requestTimeoutMs, FIELD_MANAGER);
  }

  getPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    return orUndefined(this.core.readNamespacedPod({ namespace, name }));
  }

  getNode(name: string): Promise<V1Node | undefined> {
    return orUndefined(this.core.readNode({ name }));
  }

  getNamespace(name: string): Promise<V1Namespace | undefined> {
    return orUndefined(this.core.readNamespace({ name }));
  }

  getJob(namespace: string, name: string): Promise<V1Job | undefined> {
    return orUndefined(this.batch.readNamespacedJob({ namespace, name }));
  }

  createJob(job: V1Job): Promise<V1Job | "exists"> {
    return orExists(
      this.batch.createNamespacedJob({
        namespace: job.metadata!.namespace!,
        body: job,
        fieldManager: FIELD_MANAGER,
      }),
    );
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    await orUndefined(
      this.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: "Background" }),
    );
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  readPodLog(
    namespace: string,
    pod: string,
    container: string,
    tail: { tailLines: number; limitBytes: number },
  ): Promise<string> {
    return this.core.readNamespacedPodLog({ namespace, name: pod, container, ...tail });
  }

  async getDiagnosis(namespace: string, name: string): Promise<Diagnosis | undefined> {
    return orUndefined(
      this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
      }) as Promise<Diagnosis>,
    );
  }

  createDiagnosis(d: Diagnosis): Promise<Diagnosis | "exists"> {
    return orExists(
      this.custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: d.metadata.namespace!,
        plural: PLURAL,
        body: d,
        fieldManager: FIELD_MANAGER,
      }) as Promise<Diagnosis>,
    );
  }

  async deleteDiagnosis(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.custom.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
        body: { preconditions: { uid } },
      });
    } catch (err) {
      // 404: gone already; 409: a namesake with another UID, not ours to delete.
      const code = apiStatusCode(err);
      if (code !== 404 && code !== 409) throw err;
    }
  }

  async patchDiagnosisStatus(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    status: Partial<Record<keyof DiagnosisStatus, unknown>>,
  ): Promise<Diagnosis> {
    return (await conflictAware(
      `status of diagnosis ${namespace}/${name}`,
      this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name,
          body: resourceVersion ? { metadata: { resourceVersion }, status } : { status },
          fieldManager: FIELD_MANAGER,
        },
        mergePatch,
      ),
    )) as Diagnosis;
  }

  async setDiagnosisFinalizers(
    namespace: string,
    name: string,
    resourceVersion: string,
    finalizers: string[],
  ): Promise<Diagnosis> {
    return (await conflictAware(
      `finalizers of diagnosis ${namespace}/${name}`,
      this.custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name,
          body: { metadata: { resourceVersion, finalizers } },
          fieldManager: FIELD_MANAGER,
        },
        mergePatch,
      ),
    )) as Diagnosis;
  }

  createEvent(event: CoreV1Event): Promise<CoreV1Event> {
    return this.core.createNamespacedEvent({
      namespace: event.metadata.namespace!,
      body: event,
      fieldManager: FIELD_MANAGER,
    });
  }

  repeatEvent(
    namespace: string,
    name: string,
    repeat: { count: number; lastTimestamp: Date },
  ): Promise<CoreV1Event | undefined> {
    return orUndefined(
      this.core.patchNamespacedEvent(
        {
          namespace,
          name,
          body: { count: repeat.count, lastTimestamp: repeat.lastTimestamp.toISOString() },
          fieldManager: FIELD_MANAGER,
        },
        mergePatch,
      ),
    );
  }
}
