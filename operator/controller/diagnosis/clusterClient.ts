/**
 * The API calls the Diagnosis reconciler and the trigger make, behind one small interface so the
 * reconcilers read as decisions, and the HTTP details (404 -> undefined, 409 -> "exists" on
 * create and ConflictError on a guarded write, patch content types) live here.
 */
import type { CoreV1Event, V1Job, V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";
import {
  type Diagnosis,
  type DiagnosisStatus,
  GROUP,
  PLURAL,
  VERSION,
} from "../../api/v1alpha1/diagnosis.js";
import { FIELD_MANAGER } from "../../api/v1alpha1/wellKnown.js";
import { decodeJob, trimNode, trimPod } from "../kinds/podTransform.js";
import { apiStatusCode } from "../runtime/apiStatusCode.js";
import { ConflictError } from "../runtime/contracts.js";
import type { KubeAccess } from "../runtime/kubeAccess.js";
import { RestClient } from "../runtime/restClient.js";

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

const MERGE_PATCH = "application/merge-patch+json";

/** A guarded write's 409 as a ConflictError (the runtime requeues it quietly). */
async function conflictAware<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (apiStatusCode(err) === 409) throw new ConflictError(`${what}: the object has changed`);
    throw err;
  }
}

/**
 * Over RestClient: one kept-alive connection, JSON in and out. What comes back is decoded the
 * way the caches decode it (kinds/podTransform.ts), so an object read from the API and one read
 * from a cache have the same shape.
 */
export class KubeClusterClient implements ClusterClient {
  private readonly rest: RestClient;

  /** Every request fails after `requestTimeoutMs` (default: RestClient's). */
  constructor(access: KubeAccess, requestTimeoutMs?: number) {
    this.rest = new RestClient(access, {
      userAgent: FIELD_MANAGER,
      ...(requestTimeoutMs !== undefined ? { timeoutMs: requestTimeoutMs } : {}),
    });
  }

  async getPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    const raw = await orUndefined(this.rest.request("GET", `${podsPath(namespace)}/${name}`));
    return raw === undefined ? undefined : trimPod(raw);
  }

  async getNode(name: string): Promise<V1Node | undefined> {
    const raw = await orUndefined(this.rest.request("GET", `/api/v1/nodes/${name}`));
    return raw === undefined ? undefined : trimNode(raw);
  }

  getNamespace(name: string): Promise<V1Namespace | undefined> {
    return orUndefined(this.rest.request<V1Namespace>("GET", `/api/v1/namespaces/${name}`));
  }

  async getJob(namespace: string, name: string): Promise<V1Job | undefined> {
    const raw = await orUndefined(this.rest.request("GET", `${jobsPath(namespace)}/${name}`));
    return raw === undefined ? undefined : decodeJob(raw);
  }

  async createJob(job: V1Job): Promise<V1Job | "exists"> {
    const created = await orExists(
      this.rest.request("POST", jobsPath(job.metadata!.namespace!), {
        query: { fieldManager: FIELD_MANAGER },
        body: job,
      }),
    );
    return created === "exists" ? created : decodeJob(created);
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    await orUndefined(
      this.rest.request("DELETE", `${jobsPath(namespace)}/${name}`, {
        body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background" },
      }),
    );
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.rest.request<{ items?: unknown[] }>("GET", podsPath(namespace), {
      query: { labelSelector },
    });
    return (list.items ?? []).map((raw) => trimPod(raw));
  }

  readPodLog(
    namespace: string,
    pod: string,
    container: string,
    tail: { tailLines: number; limitBytes: number },
  ): Promise<string> {
    return this.rest.request<string>("GET", `${podsPath(namespace)}/${pod}/log`, {
      query: { container, tailLines: tail.tailLines, limitBytes: tail.limitBytes },
      text: true,
    });
  }

  getDiagnosis(namespace: string, name: string): Promise<Diagnosis | undefined> {
    return orUndefined(this.rest.request<Diagnosis>("GET", `${diagnosesPath(namespace)}/${name}`));
  }

  createDiagnosis(d: Diagnosis): Promise<Diagnosis | "exists"> {
    return orExists(
      this.rest.request<Diagnosis>("POST", diagnosesPath(d.metadata.namespace!), {
        query: { fieldManager: FIELD_MANAGER },
        body: d,
      }),
    );
  }

  async deleteDiagnosis(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.rest.request("DELETE", `${diagnosesPath(namespace)}/${name}`, {
        body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid } },
      });
    } catch (err) {
      // 404: gone already; 409: a namesake with another UID, not ours to delete.
      const code = apiStatusCode(err);
      if (code !== 404 && code !== 409) throw err;
    }
  }

  patchDiagnosisStatus(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    status: Partial<Record<keyof DiagnosisStatus, unknown>>,
  ): Promise<Diagnosis> {
    return conflictAware(
      `status of diagnosis ${namespace}/${name}`,
      this.rest.request<Diagnosis>("PATCH", `${diagnosesPath(namespace)}/${name}/status`, {
        query: { fieldManager: FIELD_MANAGER },
        body: resourceVersion ? { metadata: { resourceVersion }, status } : { status },
        contentType: MERGE_PATCH,
      }),
    );
  }

  setDiagnosisFinalizers(
    namespace: string,
    name: string,
    resourceVersion: string,
    finalizers: string[],
  ): Promise<Diagnosis> {
    return conflictAware(
      `finalizers of diagnosis ${namespace}/${name}`,
      this.rest.request<Diagnosis>("PATCH", `${diagnosesPath(namespace)}/${name}`, {
        query: { fieldManager: FIELD_MANAGER },
        body: { metadata: { resourceVersion, finalizers } },
        contentType: MERGE_PATCH,
      }),
    );
  }

  createEvent(event: CoreV1Event): Promise<CoreV1Event> {
    return this.rest.request<CoreV1Event>("POST", eventsPath(event.metadata.namespace!), {
      query: { fieldManager: FIELD_MANAGER },
      body: event,
    });
  }

  repeatEvent(
    namespace: string,
    name: string,
    repeat: { count: number; lastTimestamp: Date },
  ): Promise<CoreV1Event | undefined> {
    return orUndefined(
      this.rest.request<CoreV1Event>("PATCH", `${eventsPath(namespace)}/${name}`, {
        query: { fieldManager: FIELD_MANAGER },
        body: { count: repeat.count, lastTimestamp: repeat.lastTimestamp.toISOString() },
        contentType: MERGE_PATCH,
      }),
    );
  }
}

function podsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/pods`;
}

function jobsPath(namespace: string): string {
  return `/apis/batch/v1/namespaces/${namespace}/jobs`;
}

function eventsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/events`;
}

function diagnosesPath(namespace: string): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
}
