/**
 * The bench's cluster: the real local control plane (test/support/controlPlane.ts) with the
 * Diagnosis CRD, the operator's namespace and collector ServiceAccount, fake Nodes, and pods
 * created with bounded concurrency.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ControlPlane } from "../support/controlPlane.js";
import { startClusterWithCrd } from "../support/operatorHarness.js";
import { BenchApi, BenchApiError } from "./benchApi.js";
import { type BenchPodOwner, benchPod, fakeNode, podIp, runningPodStatus } from "./benchObjects.js";
import { runBounded } from "./boundedPool.js";

export { OPERATOR_NAMESPACE } from "../support/operatorHarness.js";
export const DIAGNOSES = "/apis/diagnose.dev/v1alpha1";

export interface BenchCluster {
  cp: ControlPlane;
  api: BenchApi;
  stop(): Promise<void>;
}

export async function startBenchCluster(): Promise<BenchCluster> {
  const cp = await startClusterWithCrd({ readyTimeoutSeconds: 120 });
  let api: BenchApi;
  try {
    api = await BenchApi.create(cp.kubeConfig, 32);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return {
    cp,
    api,
    async stop() {
      api.close();
      await cp.stop();
    },
  };
}

export async function createNamespace(api: BenchApi, name: string): Promise<void> {
  await api.request("POST", "/api/v1/namespaces", { metadata: { name } });
  // ServiceAccount admission rejects pods that name no account until kube-controller-manager
  // has made the namespace's "default" one.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await api.request("GET", `/api/v1/namespaces/${name}/serviceaccounts/default`);
      return;
    } catch (err) {
      if (!(err instanceof BenchApiError && err.statusCode === 404) || Date.now() > deadline)
        throw err;
      await sleep(100);
    }
  }
}

export async function createNodes(api: BenchApi, names: readonly string[]): Promise<void> {
  for (const n of names) await api.request("POST", "/api/v1/nodes", fakeNode(n));
}

export interface PodSpecRequest {
  name: string;
  node: string;
  owner?: BenchPodOwner;
}

/**
 * Creates each pod, then writes a running container's status as a kubelet would (a create
 * ignores status): two requests per pod, `concurrency` in flight.
 */
export async function createPods(
  api: BenchApi,
  namespace: string,
  pods: readonly PodSpecRequest[],
  opts: {
    concurrency: number;
    firstIndex: number;
    onProgress?: (done: number) => void;
    signal?: AbortSignal;
  },
): Promise<void> {
  const startedAt = new Date(Date.now() - 3_600_000);
  await runBounded(
    pods,
    opts.concurrency,
    async (p, i) => {
      const body = benchPod({
        namespace,
        name: p.name,
        node: p.node,
        ...(p.owner ? { owner: p.owner } : {}),
      });
      await api.request("POST", `/api/v1/namespaces/${namespace}/pods`, body);
      await api.request(
        "PATCH",
        `/api/v1/namespaces/${namespace}/pods/${p.name}/status`,
        { status: runningPodStatus(p.name, podIp(opts.firstIndex + i), startedAt) },
        { contentType: "application/merge-patch+json" },
      );
    },
    opts.onProgress,
    opts.signal,
  );
}

/** Every Pod in the cluster, counted with paged lists of names only. */
export async function countPods(api: BenchApi): Promise<number> {
  let n = 0;
  let cont = "";
  do {
    const page = await api.request<{ items: unknown[]; metadata?: { continue?: string } }>(
      "GET",
      "/api/v1/pods",
      undefined,
      { query: { limit: "5000", ...(cont ? { continue: cont } : {}) } },
    );
    n += page.items.length;
    cont = page.metadata?.continue ?? "";
  } while (cont);
  return n;
}
