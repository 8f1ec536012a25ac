import type { V1Node, V1Pod, V1Taint, V1Toleration } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  API_VERSION,
  type Diagnosis,
  type DiagnosisTarget,
  KIND,
} from "../../../../operator/api/v1alpha1/diagnosis.js";
import { TargetResolver } from "../../../../operator/controller/diagnosis/targetResolver.js";
import { ObjectStore } from "../../../../operator/controller/runtime/objectStore.js";

const CREATED = new Date("2026-01-01T12:00:00Z");

function diagnosis(target: DiagnosisTarget): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { namespace: "shop", name: "d", creationTimestamp: CREATED.toISOString() },
    spec: { target },
  };
}

function pod(opts: { node?: string; containerID?: string; command?: string[] } = {}): V1Pod {
  return {
    metadata: { namespace: "shop", name: "tomcat-0", uid: "pod-uid" },
    spec: {
      ...(opts.node ? { nodeName: opts.node } : {}),
      containers: [
        {
          name: "app",
          image: "tomcat:10",
          command: opts.command ?? ["catalina.sh", "run"],
          resources: { limits: { memory: "512Mi", cpu: "250m" } },
        },
      ],
    },
    status: {
      containerStatuses: opts.containerID
        ? [
            {
              name: "app",
              containerID: opts.containerID,
              image: "docker.io/library/tomcat:10",
              imageID: "",
              ready: true,
              restartCount: 0,
            },
          ]
        : [],
    },
  };
}

/** Caches as the informers fill them, and an API stand-in for what the caches miss. */
function resolver(
  cached: { pods?: V1Pod[]; nodes?: (string | V1Node)[] },
  api: { pods?: V1Pod[]; nodes?: string[] } = {},
  collectorTolerations: V1Toleration[] = [],
) {
  const pods = new ObjectStore<V1Pod>();
  const nodes = new ObjectStore<V1Node>();
  for (const p of cached.pods ?? []) pods.set(p);
  for (const n of cached.nodes ?? [])
    nodes.set(typeof n === "string" ? { metadata: { name: n } } : n);
  const calls: string[] = [];
  let now = new Date(CREATED.getTime() + 1000);
  const r = new TargetResolver({
    client: {
      async getPod(ns, name) {
        calls.push(`GET pod ${ns}/${name}`);
        return api.pods?.find((p) => p.metadata?.name === name);
      },
      async getNode(name) {
        calls.push(`GET node ${name}`);
        return api.nodes?.includes(name) ? { metadata: { name } } : undefined;
      },
    },
    pods,
    nodes,
    clock: { now: () => now },
    unscheduledGraceSeconds: 30,
    collectorTolerations,
  });
  return {
    r,
    calls,
    at: (secondsAfterCreation: number) => {
      now = new Date(CREATED.getTime() + secondsAfterCreation * 1000);
    },
  };
}

describe("TargetResolver (API stand-in for cache misses)", () => {
  it("a running pod: its node, container, limits, bare container ID and pod-spec findings", async () => {
    const { r, calls } = resolver({
      pods: [pod({ node: "node-a", containerID: "containerd://abc", command: ["java", "-Xmx2g"] })],
      nodes: ["node-a"],
    });
    const res = await r.resolve(diagnosis({ pod: "tomcat-0" }));
    if (res.kind !== "ready") throw new Error(JSON.stringify(res));
    expect(res.nodeName).to.equal("node-a");
    expect(res.target).to.deep.equal({
      node: "node-a",
      podUID: "pod-uid",
      container: "app",
      containerID: "containerd://abc",
      image: "docker.io/library/tomcat:10",
      memoryLimitBytes: 536870912,
      cpuLimitMillis: 250,
    });
    expect(res.collectorTarget).to.deep.equal({ containerId: "abc" });
    expect(res.preliminary.map((f) => f.code)).to.include("JvmHeapExceedsLimit");
    expect(calls, "all from the caches").to.deep.equal([]);
  });

  it("asks the API when a cache misses, before anything fails on it", async () => {
    const { r, calls } = resolver(
      {},
      { pods: [pod({ node: "node-b", containerID: "cri-o://def" })], nodes: ["node-b"] },
    );
    const res = await r.resolve(diagnosis({ pod: "tomcat-0" }));
    expect(res.kind).to.equal("ready");
    expect(calls).to.deep.equal(["GET pod shop/tomcat-0", "GET node node-b"]);
    expect(await r.nodeExists("node-c")).to.equal(false);
  });

  it("a missing pod or node target is TargetNotFound; a pod's vanished node is NodeGone", async () => {
    const { r } = resolver({ pods: [pod({ node: "gone", containerID: "containerd://abc" })] });
    expect(await r.resolve(diagnosis({ pod: "other" }))).to.deep.equal({
      kind: "fail",
      reason: "TargetNotFound",
      message: "pod shop/other not found",
    });
    expect(await r.resolve(diagnosis({ node: "node-z" }))).to.deep.include({
      kind: "fail",
      reason: "TargetNotFound",
    });
    expect(await r.resolve(diagnosis({ pod: "tomcat-0" }))).to.deep.include({
      kind: "fail",
      reason: "NodeGone",
    });
    expect(await r.resolve(diagnosis({ pod: "tomcat-0", container: "sidecar" }))).to.deep.include({
      kind: "fail",
      reason: "InvalidSpec",
    });
  });

  it("a pod not scheduled (or not started) is waited for within the grace period, then fails", async () => {
    const { r, at } = resolver({
      pods: [
        pod(),
        { ...pod({ node: "node-a" }), metadata: { namespace: "shop", name: "starting" } },
      ],
      nodes: ["node-a"],
    });
    at(29);
    expect(await r.resolve(diagnosis({ pod: "tomcat-0" }))).to.deep.equal({
      kind: "wait",
      message: "pod shop/tomcat-0 is not scheduled to a node yet",
    });
    expect(await r.resolve(diagnosis({ pod: "starting" }))).to.deep.equal({
      kind: "wait",
      message: "container app of pod shop/starting has not started yet",
    });
    at(31);
    expect(await r.resolve(diagnosis({ pod: "tomcat-0" }))).to.deep.equal({
      kind: "fail",
      reason: "PodNotScheduled",
      message: "pod shop/tomcat-0 is not scheduled to a node yet after 30s",
    });
    expect(await r.resolve(diagnosis({ pod: "starting" }))).to.deep.include({
      kind: "fail",
      reason: "ContainerNotStarted",
    });
  });

  it("a node target that exists: the collector inspects the node itself", async () => {
    const { r } = resolver({ nodes: ["node-a"] });
    expect(await r.resolve(diagnosis({ node: "node-a" }))).to.deep.equal({
      kind: "ready",
      nodeName: "node-a",
      target: { node: "node-a" },
      collectorTarget: { node: "node-a" },
      preliminary: [],
    });
  });

  it("a node whose NoSchedule/NoExecute taint the collector does not tolerate is NodeNotTolerated", async () => {
    const tainted = (name: string, ...taints: V1Taint[]): V1Node => ({
      metadata: { name },
      spec: { taints },
    });
    const controlPlane = tainted("cp-1", {
      key: "node-role.kubernetes.io/control-plane",
      effect: "NoSchedule",
    });
    const cordoned = tainted(
      "node-b",
      { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
      { key: "team", value: "db", effect: "PreferNoSchedule" },
    );
    const tolerations: V1Toleration[] = [
      { key: "node.kubernetes.io/unschedulable", operator: "Exists" },
    ];
    const { r } = resolver(
      {
        pods: [pod({ node: "cp-1", containerID: "containerd://abc" })],
        nodes: [controlPlane, cordoned],
      },
      {},
      tolerations,
    );
    expect(await r.resolve(diagnosis({ node: "cp-1" }))).to.deep.equal({
      kind: "fail",
      reason: "NodeNotTolerated",
      message:
        "node cp-1 has the taint node-role.kubernetes.io/control-plane:NoSchedule, which the collector's tolerations (chart value collector.tolerations) do not tolerate; no collector runs there",
    });
    expect(await r.resolve(diagnosis({ pod: "tomcat-0" })), "a pod on it too").to.deep.include({
      reason: "NodeNotTolerated",
    });
    expect(
      (await r.resolve(diagnosis({ node: "node-b" }))).kind,
      "tolerated, and a preference",
    ).to.equal("ready");
  });
});
