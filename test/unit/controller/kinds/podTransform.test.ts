import { expect } from "chai";
import {
  decodeJob,
  trimNode,
  trimPod,
} from "../../../../operator/controller/kinds/podTransform.js";
import { SharedObjects } from "../../../../operator/controller/kinds/sharedObjects.js";
import { StringPool } from "../../../../operator/controller/kinds/stringPool.js";

const rawPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "tomcat-0",
    namespace: "shop",
    uid: "u-1",
    resourceVersion: "42",
    creationTimestamp: "2025-01-02T03:04:05Z",
    labels: { app: "tomcat", "pod-template-hash": "7d9f8", "team/owner": "payments" },
    annotations: {
      "diagnose.dev/auto": "false",
      "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z",
    },
    ownerReferences: [
      { apiVersion: "v1", kind: "Node", name: "node-a", uid: "n-1" },
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        name: "tomcat",
        uid: "s-1",
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
    managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: { "f:spec": {} } }],
  },
  spec: {
    nodeName: "node-a",
    volumes: [{ name: "data", emptyDir: {} }],
    containers: [
      {
        name: "tomcat",
        image: "tomcat:10",
        command: ["catalina.sh"],
        args: ["run"],
        env: [
          { name: "JAVA_OPTS", value: "-Xmx1g" },
          { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } },
        ],
        resources: { limits: { memory: "512Mi", cpu: "1" }, requests: { memory: "256Mi" } },
        volumeMounts: [{ name: "data", mountPath: "/data" }],
        livenessProbe: { httpGet: { path: "/", port: 8080 } },
      },
    ],
  },
  status: {
    phase: "Running",
    podIP: "10.0.0.5",
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [
      {
        name: "tomcat",
        containerID: "containerd://abc",
        image: "tomcat:10",
        imageID: "sha256:x",
        ready: true,
        restartCount: 3,
        state: { running: { startedAt: "2025-01-02T03:10:00Z" } },
        lastState: {
          terminated: {
            exitCode: 137,
            reason: "OOMKilled",
            message: "x".repeat(2000),
            signal: 9,
            containerID: "containerd://old",
            startedAt: "2025-01-02T03:05:00Z",
            finishedAt: "2025-01-02T03:09:59Z",
          },
        },
      },
    ],
  },
};

describe("trimPod", () => {
  it("keeps only the fields the operator reads, with timestamps as Date", () => {
    const p = trimPod(structuredClone(rawPod));
    expect(p.metadata?.name).to.equal("tomcat-0");
    // The controller only, as owningWorkload reads it.
    expect(p.metadata?.ownerReferences).to.deep.equal([
      { apiVersion: "apps/v1", kind: "StatefulSet", name: "tomcat", uid: "s-1", controller: true },
    ]);
    // The labels and annotations something reads; not the rest.
    expect(p.metadata?.labels).to.deep.equal({ "pod-template-hash": "7d9f8" });
    expect(p.metadata?.annotations).to.deep.equal({ "diagnose.dev/auto": "false" });
    expect(p.metadata?.creationTimestamp).to.be.instanceOf(Date);
    expect(p.metadata).to.not.have.property("managedFields");
    expect(p.spec).to.deep.equal({
      nodeName: "node-a",
      containers: [
        {
          name: "tomcat",
          image: "tomcat:10",
          command: ["catalina.sh"],
          args: ["run"],
          env: [{ name: "JAVA_OPTS", value: "-Xmx1g" }, { name: "DB_PASSWORD" }],
          resources: { limits: { memory: "512Mi", cpu: "1" } },
        },
      ],
    });
    expect(p.status?.phase).to.equal("Running");
    expect(p.status).to.not.have.property("podIP");
    const cs = p.status?.containerStatuses?.[0];
    expect(cs?.restartCount).to.equal(3);
    expect(cs?.containerID).to.equal("containerd://abc");
    expect(cs?.lastState?.terminated?.exitCode).to.equal(137);
    expect(cs?.lastState?.terminated?.reason).to.equal("OOMKilled");
    expect(cs?.lastState?.terminated?.finishedAt?.toISOString()).to.equal(
      "2025-01-02T03:09:59.000Z",
    );
    expect(cs?.lastState?.terminated?.startedAt?.toISOString()).to.equal(
      "2025-01-02T03:05:00.000Z",
    );
    // An application's last termination message, signal and old container are not read.
    expect(Object.keys(cs?.lastState?.terminated ?? {})).to.have.members([
      "exitCode",
      "reason",
      "startedAt",
      "finishedAt",
    ]);
    expect(cs?.state, "only terminated state is kept").to.equal(undefined);
    expect(JSON.stringify(p).length).to.be.below(JSON.stringify(rawPod).length * 0.8);
  });

  it("replicas of one template share one frozen copy of their container specs and owner", () => {
    const pool = new StringPool();
    const objects = new SharedObjects();
    const a = trimPod(structuredClone(rawPod), pool, objects);
    const b = trimPod(
      {
        ...structuredClone(rawPod),
        metadata: { ...rawPod.metadata, name: "tomcat-1", uid: "u-2" },
      },
      pool,
      objects,
    );
    expect(b.spec?.containers).to.equal(a.spec?.containers);
    expect(b.metadata?.ownerReferences).to.equal(a.metadata?.ownerReferences);
    expect(b.status?.containerStatuses).to.not.equal(a.status?.containerStatuses);
    expect(() => {
      (a.spec!.containers[0] as { image?: string }).image = "evil:1";
    }).to.throw(TypeError);
    // Another template is another copy.
    const other = structuredClone(rawPod);
    other.spec.containers[0]!.image = "tomcat:11";
    expect(trimPod(other, pool, objects).spec?.containers[0]?.image).to.equal("tomcat:11");
  });

  it("keeps a collector's terminated state with its message (the report), bounded", () => {
    const p = trimPod({
      metadata: {
        name: "c",
        namespace: "ops",
        labels: { "batch.kubernetes.io/controller-uid": "j-1" },
      },
      status: {
        containerStatuses: [
          {
            name: "collector",
            restartCount: 0,
            state: {
              terminated: { exitCode: 0, reason: "Completed", message: "r".repeat(10_000) },
            },
          },
        ],
      },
    });
    expect(p.metadata?.labels).to.deep.equal({ "batch.kubernetes.io/controller-uid": "j-1" });
    const t = p.status?.containerStatuses?.[0]?.state?.terminated;
    expect(t?.reason).to.equal("Completed");
    expect(t?.message).to.have.length(4096);
  });

  it("tolerates a pod with no spec or status yet", () => {
    const p = trimPod({ metadata: { name: "x", namespace: "y" } });
    expect(p.spec?.containers).to.deep.equal([]);
    expect(p.status?.containerStatuses).to.equal(undefined);
  });
});

describe("trimNode", () => {
  it("keeps only the node's identity", () => {
    const node = trimNode({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "node-a",
        uid: "n-1",
        resourceVersion: "7",
        creationTimestamp: "2025-01-02T03:04:05Z",
        labels: { "kubernetes.io/hostname": "node-a" },
        annotations: { "node.alpha.kubernetes.io/ttl": "0" },
      },
      spec: { podCIDR: "10.0.0.0/24" },
      status: { conditions: [{ type: "Ready", status: "True" }], images: [{ names: ["x"] }] },
    });
    expect(node).to.deep.equal({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "node-a",
        uid: "n-1",
        resourceVersion: "7",
        creationTimestamp: new Date("2025-01-02T03:04:05Z"),
      },
    });
  });
});

describe("decodeJob", () => {
  it("keeps the Job whole and decodes status timestamps", () => {
    const j = decodeJob({
      metadata: {
        name: "diag-x",
        namespace: "diagnose-system",
        creationTimestamp: "2025-01-02T03:04:05Z",
      },
      spec: { backoffLimit: 0 },
      status: {
        startTime: "2025-01-02T03:04:06Z",
        conditions: [
          { type: "Complete", status: "True", lastTransitionTime: "2025-01-02T03:05:00Z" },
        ],
      },
    });
    expect(j.spec?.backoffLimit).to.equal(0);
    expect(j.metadata?.creationTimestamp).to.be.instanceOf(Date);
    expect(j.status?.startTime?.toISOString()).to.equal("2025-01-02T03:04:06.000Z");
    expect(j.status?.conditions?.[0]?.lastTransitionTime).to.be.instanceOf(Date);
    expect(j.status?.conditions?.[0]?.type).to.equal("Complete");
  });
});
