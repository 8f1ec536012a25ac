/**
 * The Kubernetes objects the demo creates, and the pod statuses it writes where a kubelet would.
 * Pure builders: names, images and numbers the demo's story is about live here.
 */
import type { V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { API_VERSION, type Diagnosis, KIND } from "../../operator/api/v1alpha1/diagnosis.js";

// The demo's pods get their status from the kubelet stand-in the test suites share.
export { type ContainerState, runningPodStatus } from "../support/kubeletPodStatus.js";

export const DEMO_NAMESPACE = "demo";
export const MiB = 1024 * 1024;

/** S1: the memory limit the JVM's heap is sized far above. */
export const S1_MEMORY_LIMIT_MIB = 200;
export const S1_HEAP = "1g";
export const S1_CONTAINER = "checkout";
export const S1_IMAGE = "eclipse-temurin:17-jre";

const S2_POD = "web";
export const S2_CONTAINER = "web";
export const S2_IMAGE = "nginx:1.27";
const S2_DIAGNOSIS = "web-network";

/** A ReplicaSet named as a Deployment's (`<deployment>-<pod-template-hash>`), one pod pinned to `node`. */
export function s1ReplicaSet(namespace: string, node: string): V1ReplicaSet {
  const hash = "7d9f8b6c5d";
  const labels = { app: "checkout", "pod-template-hash": hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: `checkout-${hash}`, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeName: node,
          containers: [
            {
              name: S1_CONTAINER,
              image: S1_IMAGE,
              command: ["java", "-jar", "/app/checkout.jar"],
              // The heap flag a team copied from a bigger environment: 1 GiB under 200 MiB.
              env: [{ name: "JAVA_TOOL_OPTIONS", value: `-Xmx${S1_HEAP}` }],
              resources: {
                requests: { cpu: "100m", memory: `${S1_MEMORY_LIMIT_MIB}Mi` },
                limits: { memory: `${S1_MEMORY_LIMIT_MIB}Mi` },
              },
            },
          ],
        },
      },
    },
  };
}

/** S2: a web server pod pinned to `node` (its network namespace is where the fault lives). */
export function s2Pod(namespace: string, node: string): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: S2_POD, namespace, labels: { app: "web" } },
    spec: {
      nodeName: node,
      containers: [{ name: S2_CONTAINER, image: S2_IMAGE, ports: [{ containerPort: 80 }] }],
    },
  };
}

/** The manual Diagnosis for S2, as a user would `kubectl apply` it. */
export function s2Diagnosis(namespace: string): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: S2_DIAGNOSIS, namespace },
    spec: {
      target: { pod: S2_POD, container: S2_CONTAINER },
      checks: ["network"],
      timeoutSeconds: 60,
    },
  };
}
