/**
 * The pod-restart trigger against a real kube-apiserver + kube-controller-manager: ReplicaSets
 * (named like a Deployment's, with a pod-template-hash) make the pods; the test plays the kubelet
 * by patching pod status to a restart with exit 137, and checks the Diagnoses and the Job caps.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { type Diagnosis, GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import type { ControlPlane } from "../support/controlPlane.js";
import { oomRestartedStatus, runningPodStatus } from "../support/kubeletPodStatus.js";
import {
  createNamespaceForPods,
  OPERATOR_NAMESPACE,
  type OperatorUnderTest,
  sleep,
  startClusterWithCrd,
  startTestOperator,
  waitFor,
} from "../support/operatorHarness.js";

const NS = "burst";
const OTHER_NS = "not-selected";
const NODES = ["node-1", "node-2", "node-3", "node-4"];
const MAX_JOBS = 3;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("pod-restart trigger (real kube-apiserver)", function () {
  this.timeout(240_000);
  let cp: ControlPlane | undefined;
  let op: OperatorUnderTest | undefined;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let batch: BatchV1Api;
  let custom: CustomObjectsApi;

  before(async () => {
    cp = await startClusterWithCrd();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    apps = cp.kubeConfig.makeApiClient(AppsV1Api);
    batch = cp.kubeConfig.makeApiClient(BatchV1Api);
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    await createNamespaceForPods(core, NS, { "diagnose.dev/auto": "enabled" });
    await createNamespaceForPods(core, OTHER_NS);
    for (const name of NODES) await core.createNode({ body: { metadata: { name } } });
    op = await startTestOperator(
      cp,
      [
        "--auto-namespace-selector=diagnose.dev/auto=enabled",
        "--max-jobs-per-node=1",
        `--max-jobs=${MAX_JOBS}`,
      ],
      { timings: { waitRequeueMs: 300, runningRequeueMs: 1000 } },
    );
  });

  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  /** A ReplicaSet like a Deployment's (`<deployment>-<hash>`), its pods pinned to `node`. */
  async function replicaSet(
    ns: string,
    deployment: string,
    replicas: number,
    node: string,
    annotations?: Record<string, string>,
  ): Promise<V1Pod[]> {
    const hash = "5d8f7c9b6d";
    const labels = { app: deployment, "pod-template-hash": hash };
    await apps.createNamespacedReplicaSet({
      namespace: ns,
      body: {
        metadata: { name: `${deployment}-${hash}`, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations },
            spec: {
              nodeName: node,
              containers: [
                { name: "app", image: "app:1", resources: { limits: { memory: "256Mi" } } },
              ],
            },
          },
        },
      },
    });
    return waitFor(
      `${replicas} pods of ${deployment}`,
      60_000,
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns,
          labelSelector: `app=${deployment}`,
        });
        return pods.items.length === replicas ? pods.items : undefined;
      },
      200,
    );
  }

  async function patchRestart(pod: V1Pod, restartCount: number): Promise<void> {
    const killedAt = new Date();
    await core.patchNamespacedPodStatus(
      {
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body: oomRestartedStatus(restartCount, killedAt, killedAt, "a"),
      },
      mergePatch,
    );
  }

  async function diagnoses(ns: string): Promise<Diagnosis[]> {
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
    })) as { items: Diagnosis[] };
    return list.items;
  }

  it("a restart with exit 137 -> a Diagnosis naming the Deployment, then the next restart recorded on it", async () => {
    const [pod] = await replicaSet(NS, "checkout", 1, NODES[0]!);
    // Running first (restart count 0), as a kubelet would report before any OOM kill.
    await core.patchNamespacedPodStatus(
      {
        namespace: NS,
        name: pod!.metadata!.name!,
        body: runningPodStatus({
          container: "app",
          image: "app:1",
          containerId: "b".repeat(64),
          startedAt: new Date(),
          restartCount: 0,
        }),
      },
      mergePatch,
    );
    await sleep(500);
    await patchRestart(pod!, 1);
    // How fast is the bench's question (npm run bench: reaction rows), not this test's.
    const d = await waitFor(
      "the Diagnosis",
      60_000,
      async () => (await diagnoses(NS)).find((x) => x.status?.trigger?.workload === "checkout"),
      20,
    );
    expect(d.metadata.name).to.match(/^checkout-oom-\d+$/);
    expect(d.spec.target).to.deep.equal({ pod: pod!.metadata!.name, container: "app" });
    expect(d.status?.trigger).to.deep.include({
      source: "PodRestart",
      exitCode: 137,
      reason: "OOMKilled",
      restartCount: 1,
      workload: "checkout",
      restartsObserved: 1,
    });
    expect(d.metadata.annotations?.["diagnose.dev/workload"]).to.equal("Deployment/checkout");

    // The next restart of the same workload is recorded on it, not a new Diagnosis.
    await patchRestart(pod!, 2);
    const updated = await waitFor("the second restart recorded", 60_000, async () => {
      const x = (await diagnoses(NS)).filter((y) => y.status?.trigger?.workload === "checkout");
      return x.length === 1 && x[0]!.status?.trigger?.restartsObserved === 2 ? x[0] : undefined;
    });
    expect(updated.status?.trigger?.restarts?.map((r) => [r.pod, r.restartCount])).to.deep.equal([
      [pod!.metadata!.name, 2],
    ]);
  });

  it("opt-out annotation and the namespace selector are honoured", async () => {
    const [optOut] = await replicaSet(NS, "opted-out", 1, NODES[1]!, {
      "diagnose.dev/auto": "false",
    });
    const [elsewhere] = await replicaSet(OTHER_NS, "elsewhere", 1, NODES[1]!);
    await patchRestart(optOut!, 1);
    await patchRestart(elsewhere!, 1);
    await sleep(1500);
    expect(
      (await diagnoses(NS)).filter((d) => d.status?.trigger?.workload === "opted-out"),
    ).to.have.length(0);
    expect(await diagnoses(OTHER_NS)).to.have.length(0);
  });

  it("200 restarts across 20 workloads -> 20 Diagnoses, every restart recorded, Jobs within the caps", async () => {
    const workloads = Array.from({ length: 20 }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
    const pods: V1Pod[] = [];
    for (const [i, w] of workloads.entries())
      pods.push(...(await replicaSet(NS, w, 5, NODES[i % NODES.length]!)));
    expect(pods).to.have.length(100);

    // Sample the collector Jobs throughout: never above the caps.
    let maxActive = 0;
    let maxPerNode = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const jobs = (
          await batch.listNamespacedJob({ namespace: OPERATOR_NAMESPACE })
        ).items.filter(
          (j) =>
            !(j.status?.conditions ?? []).some(
              (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
            ),
        );
        maxActive = Math.max(maxActive, jobs.length);
        const perNode = new Map<string, number>();
        for (const j of jobs) {
          const n = j.spec?.template.spec?.nodeName ?? "";
          perNode.set(n, (perNode.get(n) ?? 0) + 1);
        }
        maxPerNode = Math.max(maxPerNode, ...perNode.values(), 0);
        await sleep(100);
      }
    })();

    // Two restarts per pod (1 then 2): 200 restarts, sent 20 at a time.
    for (const count of [1, 2]) {
      for (let i = 0; i < pods.length; i += 20)
        await Promise.all(pods.slice(i, i + 20).map((p) => patchRestart(p, count)));
    }

    let last = "";
    const all = await waitFor(
      "every restart accounted for",
      60_000,
      async () => {
        const ds = (await diagnoses(NS)).filter((d) =>
          d.status?.trigger?.workload?.startsWith("svc-"),
        );
        const observed = ds.reduce((n, d) => n + (d.status?.trigger?.restartsObserved ?? 0), 0);
        last = `${ds.length} diagnoses, ${observed} restarts: ${ds.map((d) => `${d.metadata.name}=${d.status?.trigger?.restartsObserved}`).join(" ")}`;
        return ds.length === 20 && observed === 200 ? ds : undefined;
      },
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last seen ${last}`);
    });
    sampling = false;
    await sampler;

    expect(new Set(all.map((d) => d.status?.trigger?.workload))).to.have.length(20);
    for (const d of all) {
      // Each: 5 pods x 2 restarts counted; every pod named (the target, or in the list). Two
      // restarts of one pod that the queue coalesced are one list entry counted twice.
      expect(d.status?.trigger?.restartsObserved).to.equal(10);
      const named = new Set([
        d.spec.target.pod,
        ...(d.status?.trigger?.restarts ?? []).map((r) => r.pod),
      ]);
      expect(named.size).to.equal(5);
    }
    expect(maxActive).to.be.at.most(MAX_JOBS);
    expect(maxPerNode).to.be.at.most(1);
    const queued = all.filter((d) =>
      d.status?.conditions?.some((c) => c.type === "JobCreated" && c.reason === "Queued"),
    );
    console.log(
      `      max active Jobs ${maxActive} (cap ${MAX_JOBS}), max per node ${maxPerNode}; queued now: ${queued.length}`,
    );
    expect(queued.length).to.be.greaterThan(0, "beyond the caps Diagnoses wait, queued");
    for (const d of queued) expect(d.status?.phase).to.equal("Pending");
    // A triggered Diagnosis' first status write carries the trigger's first restart too (one
    // write for both): neither may lose what the other says.
    for (const d of all) {
      // Started (JobCreated, with the resolved target) or refused (Failed, say the open cap).
      const started = d.status?.conditions?.find((c) => c.type === "JobCreated");
      const failed = d.status?.conditions?.find((c) => c.type === "Failed");
      expect(started ?? failed, d.metadata.name).to.not.equal(undefined);
      if (started) expect(d.status?.target?.node, d.metadata.name).to.be.a("string");
      expect(d.status?.trigger).to.deep.include({ source: "PodRestart", exitCode: 137 });
      expect(d.status?.trigger?.restartCount).to.be.a("number");
    }
    // A queued one says why it waits, and `kubectl describe` shows one Queued Event, not one
    // per requeue; no Diagnosis has the same Event twice (repeats are counted on one).
    for (const d of queued) {
      const c = d.status!.conditions!.find((x) => x.type === "JobCreated")!;
      expect(c.status).to.equal("False");
      expect(c.message).to.match(/^waiting for a collector slot: \S/);
    }
    await sleep(1500); // a few requeues of the queued ones (waitRequeueMs 300)
    const events = (
      await core.listNamespacedEvent({
        namespace: NS,
        fieldSelector: "involvedObject.kind=Diagnosis",
      })
    ).items;
    for (const d of queued) {
      const mine = events.filter((e) => e.involvedObject.uid === d.metadata.uid);
      const queuedEvents = mine.filter((e) => e.reason === "Queued");
      expect(queuedEvents, d.metadata.name).to.have.length(1);
      expect(queuedEvents[0]!.count ?? 1, d.metadata.name).to.equal(1);
    }
    for (const d of all) {
      const mine = events.filter((e) => e.involvedObject.uid === d.metadata.uid);
      const reasons = mine.map((e) => `${e.reason}/${e.message}`);
      expect(new Set(reasons).size, `${d.metadata.name}: ${reasons.join(", ")}`).to.equal(
        reasons.length,
      );
    }
  });
});
