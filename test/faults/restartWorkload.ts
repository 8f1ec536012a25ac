/**
 * The workload every fault experiment runs: ReplicaSets named like a Deployment's (the real
 * ReplicaSet controller makes the pods, bound to fake Nodes, tolerating every taint so the node
 * lifecycle controller never evicts them), and a kubelet-like status writer that OOM-kills each
 * pod's container twice, the two restarts of a pod 50 ms apart and the pods one after another,
 * so an outage of a few seconds sees pods restart twice. Then what the Diagnoses account for.
 * No container runs anywhere: the pod statuses are the restarts.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import { type Diagnosis, GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import { oomRestartedStatus } from "../support/kubeletPodStatus.js";
import { sleep, waitFor } from "../support/waitFor.js";
import { apiClient } from "./requestDeadline.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const HASH = "5d8f7c9b6d";

/** The test's own API clients: every request has a deadline (the apiserver may be stopped). */
export class TestApi {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig, timeoutMs = 5000) {
    this.core = apiClient(kubeConfig, CoreV1Api, timeoutMs, "fault-suite");
    this.apps = apiClient(kubeConfig, AppsV1Api, timeoutMs, "fault-suite");
    this.batch = apiClient(kubeConfig, BatchV1Api, timeoutMs, "fault-suite");
    this.custom = apiClient(kubeConfig, CustomObjectsApi, timeoutMs, "fault-suite");
  }

  async diagnoses(namespace: string): Promise<Diagnosis[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
    })) as { items: Diagnosis[] };
    return list.items;
  }
}

/** Retries `f` until it succeeds (an outage in progress) or `timeoutMs` passed. */
export async function retrying<T>(
  what: string,
  timeoutMs: number,
  f: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${String(err)}`);
      await sleep(200);
    }
  }
}

export interface WorkloadPlan {
  namespace: string;
  workloads: number;
  podsPerWorkload: number;
  nodes: readonly string[];
}

/** A create that may be retried: "already exists" (an earlier attempt got through) is done. */
async function ensure(what: string, create: () => Promise<unknown>): Promise<void> {
  await retrying(what, 120_000, () =>
    create().catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    }),
  );
}

/**
 * Creates the namespace and the ReplicaSets; resolves with their pods once all exist. Retries
 * through an outage (another experiment's fault may be running meanwhile).
 */
export async function createWorkloads(api: TestApi, plan: WorkloadPlan): Promise<V1Pod[]> {
  await ensure(`namespace ${plan.namespace}`, () =>
    api.core.createNamespace({ body: { metadata: { name: plan.namespace } } }),
  );
  await retrying(`the default ServiceAccount in ${plan.namespace}`, 60_000, () =>
    api.core.readNamespacedServiceAccount({ namespace: plan.namespace, name: "default" }),
  );
  for (let w = 0; w < plan.workloads; w++) {
    const deployment = `svc-${String(w).padStart(2, "0")}`;
    const labels = { app: deployment, "pod-template-hash": HASH };
    await ensure(`ReplicaSet ${deployment}`, () =>
      api.apps.createNamespacedReplicaSet({
        namespace: plan.namespace,
        body: {
          metadata: { name: `${deployment}-${HASH}`, labels },
          spec: {
            replicas: plan.podsPerWorkload,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                nodeName: plan.nodes[w % plan.nodes.length],
                tolerations: [{ operator: "Exists" }],
                containers: [
                  { name: "app", image: "app:1", resources: { limits: { memory: "256Mi" } } },
                ],
              },
            },
          },
        },
      }),
    );
  }
  const want = plan.workloads * plan.podsPerWorkload;
  return waitFor(
    `${want} pods in ${plan.namespace}`,
    180_000,
    async () => {
      const pods = await api.core.listNamespacedPod({ namespace: plan.namespace }).then(
        (l) => l.items,
        () => [],
      );
      return pods.length === want ? pods : undefined;
    },
    250,
  );
}

/** One restart: pod `pod` reaches restartCount `n`. */
export interface PlannedRestart {
  pod: string;
  n: number;
  /** Offset from the burst's start. */
  atMs: number;
}

/**
 * How a pod's two restarts are spread over the window: "pairs", each pod's second restart half a
 * slot after its first (an outage of a few seconds sees pods restart twice); "rounds", every
 * pod's first restart in the first half, every second one in the second (a takeover halfway
 * finds every pod recorded once and restarting again).
 */
export type RestartOrder = "pairs" | "rounds";

/** Two restarts per pod over `windowMs`, pods one after another (workloads interleaved). */
export function restartSchedule(
  pods: readonly V1Pod[],
  windowMs: number,
  order: RestartOrder,
): PlannedRestart[] {
  const byWorkload = new Map<string, string[]>();
  for (const p of pods) {
    const w = p.metadata!.labels!.app!;
    byWorkload.set(w, [...(byWorkload.get(w) ?? []), p.metadata!.name!]);
  }
  const columns = [...byWorkload.values()].map((names) => names.sort());
  const names: string[] = [];
  for (let i = 0; columns.some((c) => i < c.length); i++)
    for (const c of columns) if (i < c.length) names.push(c[i]!);
  if (order === "rounds") {
    const half = windowMs / 2;
    const slot = half / names.length;
    return [1, 2].flatMap((n) =>
      names.map((pod, k) => ({ pod, n, atMs: Math.round((n - 1) * half + k * slot) })),
    );
  }
  const slot = windowMs / names.length;
  return names.flatMap((pod, k) => [
    { pod, n: 1, atMs: Math.round(k * slot) },
    { pod, n: 2, atMs: Math.round(k * slot + slot / 2) },
  ]);
}

/**
 * Sends the schedule as kubelets' status updates: each at its time, a pod's in order; a send the
 * apiserver does not take (an outage) is retried until it does, and that pod's next follows it.
 * Resolves with when the last one was taken.
 */
export async function sendRestarts(
  api: TestApi,
  namespace: string,
  schedule: readonly PlannedRestart[],
  started: number,
  timeoutMs: number,
): Promise<number> {
  const byPod = new Map<string, PlannedRestart[]>();
  for (const r of schedule) byPod.set(r.pod, [...(byPod.get(r.pod) ?? []), r]);
  let last = 0;
  await Promise.all(
    [...byPod.values()].map(async (restarts) => {
      let startedAt = new Date(started - 60_000);
      for (const r of restarts) {
        const wait = started + r.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        const killedAt = new Date();
        await retrying(`restart ${r.n} of ${r.pod}`, timeoutMs, () =>
          api.core.patchNamespacedPodStatus(
            { namespace, name: r.pod, body: oomRestartedStatus(r.n, startedAt, killedAt, "f") },
            mergePatch,
          ),
        );
        startedAt = killedAt;
        last = Math.max(last, Date.now());
      }
    }),
  );
  return last;
}

/** What the Diagnoses say was counted. */
export interface Accounting {
  diagnoses: number;
  /** Sum of restartsObserved. */
  accounted: number;
  /** Highest restart count recorded per pod. */
  lastRecorded: Map<string, number>;
  /** Diagnoses per workload (more than one: a duplicate). */
  perWorkload: Map<string, number>;
}

export function accounting(diagnoses: readonly Diagnosis[]): Accounting {
  const lastRecorded = new Map<string, number>();
  const perWorkload = new Map<string, number>();
  let accounted = 0;
  const note = (pod: string | undefined, n: number | undefined): void => {
    if (pod && n !== undefined) lastRecorded.set(pod, Math.max(lastRecorded.get(pod) ?? 0, n));
  };
  for (const d of diagnoses) {
    const t = d.status?.trigger;
    const w = d.metadata.annotations?.["diagnose.dev/workload"] ?? "?";
    perWorkload.set(w, (perWorkload.get(w) ?? 0) + 1);
    accounted += t?.restartsObserved ?? 0;
    note(d.spec.target.pod, t?.restartCount);
    for (const r of t?.restarts ?? []) note(r.pod, r.restartCount);
  }
  return { diagnoses: diagnoses.length, accounted, lastRecorded, perWorkload };
}
