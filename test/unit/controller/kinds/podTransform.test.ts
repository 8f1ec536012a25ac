import { expect } from "chai";
import {
  decodeJob,
  trimNode,
  trimPod,
} from "../../../../operator/controller/kinds/podTransform.js";

const rawPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "tomcat-0",
    namespace: "shop",
    uid: "u-1",
    resourceVersion: "42",
    creationTimestamp: "2025-01-02T03:04:05Z",
    labels: { app: "tomcat" },
    annotations: { "diagnose.dev/auto": "false" },
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "StatefulSet", name: "tomcat", uid: "s-1", controller: true },
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
    expect(p.metadata?.ownerReferences?.[0]?.kind).to.equal("StatefulSet");
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
    expect(cs?.state, "only terminated state is kept").to.equal(undefined);
    expect(JSON.stringify(p).length).to.be.below(JSON.stringify(rawPod).length * 0.8);
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
