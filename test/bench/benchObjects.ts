/**
 * The Kubernetes objects the benchmarks create: fake Nodes (no kubelet: nothing schedules or
 * runs), Pods bound to them with a running container's status, and the status of an OOM-killed
 * restart. Pure builders; the bench sends them.
 */
import { createHash } from "node:crypto";
import type { V1ContainerStatus, V1Node, V1Pod } from "@kubernetes/client-node";

const BENCH_LABEL = "diagnose.dev/bench";

export function fakeNode(name: string): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { [BENCH_LABEL]: "true", "kubernetes.io/hostname": name } },
    spec: {},
  };
}

export interface BenchPodOwner {
  /** ReplicaSet name `<deployment>-<hash>`. */
  replicaSet: string;
  hash: string;
  uid: string;
}

/** A pod as a Deployment's ReplicaSet would make it: `<rs>-<suffix>`, pod-template-hash label. */
export function benchPod(opts: {
  namespace: string;
  name: string;
  node: string;
  owner?: BenchPodOwner;
}): V1Pod {
  const labels: Record<string, string> = { [BENCH_LABEL]: "true", app: "bench" };
  const pod: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: opts.name, namespace: opts.namespace, labels },
    spec: {
      nodeName: opts.node,
      containers: [
        {
          name: "app",
          image: "registry.example/bench/app:1.0",
          resources: { limits: { memory: "256Mi", cpu: "500m" } },
          env: [{ name: "JAVA_TOOL_OPTIONS", value: "-Xmx1g" }],
        },
      ],
    },
  };
  if (opts.owner) {
    labels["pod-template-hash"] = opts.owner.hash;
    pod.metadata!.ownerReferences = [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: opts.owner.replicaSet,
        uid: opts.owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  return pod;
}

/** A fake but well-formed containerd container ID, stable per pod and restart. */
export function fakeContainerId(podName: string, restartCount: number): string {
  const hex = createHash("sha256").update(`${podName}/${restartCount}`).digest("hex");
  return `containerd://${hex}`;
}

function runningStatus(podName: string, restartCount: number, startedAt: Date): V1ContainerStatus {
  return {
    name: "app",
    image: "registry.example/bench/app:1.0",
    imageID:
      "registry.example/bench/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    containerID: fakeContainerId(podName, restartCount),
    ready: true,
    started: true,
    restartCount,
    state: { running: { startedAt } },
  };
}

/** `status` of a pod whose container has been running since `startedAt`, never restarted. */
export function runningPodStatus(podName: string, podIp: string, startedAt: Date): V1Pod["status"] {
  return {
    phase: "Running",
    podIP: podIp,
    hostIP: "10.250.0.1",
    startTime: startedAt,
    conditions: [
      { type: "Initialized", status: "True", lastTransitionTime: startedAt },
      { type: "Ready", status: "True", lastTransitionTime: startedAt },
      { type: "ContainersReady", status: "True", lastTransitionTime: startedAt },
      { type: "PodScheduled", status: "True", lastTransitionTime: startedAt },
    ],
    containerStatuses: [runningStatus(podName, 0, startedAt)],
  };
}

/**
 * The merge patch a kubelet's status update amounts to after the container was OOM-killed and
 * restarted: restartCount + 1, lastState terminated with exit 137 / OOMKilled, a new container.
 */
export function oomRestartStatusPatch(
  podName: string,
  newRestartCount: number,
  killedAt: Date,
): { status: V1Pod["status"] } {
  const previous = runningStatus(podName, newRestartCount - 1, killedAt);
  return {
    status: {
      containerStatuses: [
        {
          ...runningStatus(podName, newRestartCount, killedAt),
          lastState: {
            terminated: {
              exitCode: 137,
              reason: "OOMKilled",
              startedAt: killedAt,
              finishedAt: killedAt,
              containerID: previous.containerID,
            },
          },
        },
      ],
    },
  };
}

/** A pod IP from 10.244.0.0/16 for pod number i (unique up to 65,534 pods). */
export function podIp(i: number): string {
  const n = (i % 65_534) + 1;
  return `10.244.${Math.floor(n / 256)}.${n % 256}`;
}

const HASH_ALPHABET = "bcdfghjkmnpqrstv";

/** Deployment `<prefix>-<w>`, its ReplicaSet `<deployment>-<hash>`, hash from the name. */
export function workloadOwner(deployment: string): BenchPodOwner {
  const digest = createHash("sha256").update(deployment).digest("hex");
  // pod-template-hash style: consonants and digits that spell no words.
  const hash = [...digest.slice(0, 10)].map((c) => HASH_ALPHABET[Number.parseInt(c, 16)]).join("");
  return {
    replicaSet: `${deployment}-${hash}`,
    hash,
    uid: `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`,
  };
}
