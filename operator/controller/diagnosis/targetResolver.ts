/**
 * Where a Diagnosis' collector must run: the target pod (or node) read from the caches, the API
 * only when a cache misses (it may not have caught up, or the pod is in a namespace the Pod
 * informer does not watch), resolved to a node, a container and what the pod spec alone shows.
 *
 * Decisions recorded here:
 * - A pod that is not scheduled yet (or whose container has not started) is waited for, briefly
 *   (unscheduledGraceSeconds, default 30): a Diagnosis applied right after its pod is common, and
 *   the collector needs a node and a container ID. After that: PodNotScheduled /
 *   ContainerNotStarted. The caller polls, never errors (no backoff storm).
 * - A missing pod or node is TargetNotFound; the node of a pod that is gone is NodeGone.
 * - A node with a NoSchedule or NoExecute taint the collector does not tolerate is
 *   NodeNotTolerated (jobs/nodeTaints.ts: the Job's nodeName would bypass the taint).
 */
import type { V1Node, V1Pod, V1Toleration } from "@kubernetes/client-node";
import { parseQuantity } from "../../analysis/parseQuantity.js";
import { chooseContainer, podSpecFindings } from "../../analysis/podSpecRules.js";
import type { Finding, ResolvedTarget } from "../../api/v1alpha1/diagnosis.js";
import { bareContainerId, type CollectorTarget } from "../jobs/collectorJob.js";
import { describeTaint, untoleratedTaint } from "../jobs/nodeTaints.js";
import type { DiagnosisHead } from "../kinds/diagnosisTransform.js";
import { type Clock, type ObjectCache, objectKey } from "../runtime/contracts.js";
import type { ClusterClient } from "./clusterClient.js";

export type Resolution =
  | {
      kind: "ready";
      nodeName: string;
      target: ResolvedTarget;
      collectorTarget: CollectorTarget;
      /** Findings from the pod spec alone. */
      preliminary: Finding[];
    }
  /** Not ready yet, within the grace period: poll again. */
  | { kind: "wait"; message: string }
  | { kind: "fail"; reason: string; message: string };

export interface TargetResolverDeps {
  client: Pick<ClusterClient, "getPod" | "getNode">;
  /** Trimmed pods (kinds/podTransform.ts keeps what is read here). */
  pods: ObjectCache<V1Pod>;
  nodes: ObjectCache<V1Node>;
  clock: Clock;
  unscheduledGraceSeconds: number;
  /** The collector pods' tolerations: nodes with other NoSchedule/NoExecute taints are refused. */
  collectorTolerations: readonly V1Toleration[];
}

type NotReady = { kind: "notReady"; message: string; giveUpReason: string };

export class TargetResolver {
  constructor(private readonly deps: TargetResolverDeps) {}

  async resolve(d: DiagnosisHead): Promise<Resolution> {
    const found = await this.find(d);
    if (found.kind !== "notReady") return found;
    const grace = this.deps.unscheduledGraceSeconds;
    const ageMs =
      this.deps.clock.now().getTime() - new Date(d.metadata.creationTimestamp ?? 0).getTime();
    if (ageMs > grace * 1000)
      return {
        kind: "fail",
        reason: found.giveUpReason,
        message: `${found.message} after ${grace}s`,
      };
    return { kind: "wait", message: found.message };
  }

  /**
   * From the Node cache; a miss (gone, or created after the cache last heard) is confirmed with
   * the API before anything fails on it, so only the rare path pays a request.
   */
  async nodeExists(name: string): Promise<boolean> {
    return (await this.node(name)) !== undefined;
  }

  private async node(name: string): Promise<V1Node | undefined> {
    return this.deps.nodes.get(name) ?? (await this.deps.client.getNode(name));
  }

  /** Failed NodeNotTolerated when the node has a taint the collector does not tolerate. */
  private untolerated(node: V1Node): { kind: "fail"; reason: string; message: string } | undefined {
    const taint = untoleratedTaint(node.spec?.taints ?? [], this.deps.collectorTolerations);
    if (!taint) return undefined;
    return {
      kind: "fail",
      reason: "NodeNotTolerated",
      message: `node ${node.metadata?.name} has the taint ${describeTaint(taint)}, which the collector's tolerations (chart value collector.tolerations) do not tolerate; no collector runs there`,
    };
  }

  private async find(d: DiagnosisHead): Promise<Exclude<Resolution, { kind: "wait" }> | NotReady> {
    const ns = d.metadata.namespace!;
    const targetNode = d.spec.target.node;
    if (targetNode) {
      const node = await this.node(targetNode);
      if (!node)
        return { kind: "fail", reason: "TargetNotFound", message: `node ${targetNode} not found` };
      const refused = this.untolerated(node);
      if (refused) return refused;
      return {
        kind: "ready",
        nodeName: targetNode,
        target: { node: targetNode },
        collectorTarget: { node: targetNode },
        preliminary: [],
      };
    }
    const podName = d.spec.target.pod!;
    const pod =
      this.deps.pods.get(objectKey(ns, podName)) ?? (await this.deps.client.getPod(ns, podName));
    if (!pod)
      return { kind: "fail", reason: "TargetNotFound", message: `pod ${ns}/${podName} not found` };
    const container = chooseContainer(pod, d.spec.target.container);
    if (!container)
      return {
        kind: "fail",
        reason: "InvalidSpec",
        message: `pod ${ns}/${podName} has no container ${d.spec.target.container}`,
      };
    const nodeName = pod.spec?.nodeName;
    if (!nodeName)
      return {
        kind: "notReady",
        message: `pod ${ns}/${podName} is not scheduled to a node yet`,
        giveUpReason: "PodNotScheduled",
      };
    const node = await this.node(nodeName);
    if (!node)
      return {
        kind: "fail",
        reason: "NodeGone",
        message: `node ${nodeName} of pod ${ns}/${podName} no longer exists`,
      };
    const refused = this.untolerated(node);
    if (refused) return refused;
    const status = pod.status?.containerStatuses?.find((s) => s.name === container.name);
    if (!status?.containerID)
      return {
        kind: "notReady",
        message: `container ${container.name} of pod ${ns}/${podName} has not started yet`,
        giveUpReason: "ContainerNotStarted",
      };
    return {
      kind: "ready",
      nodeName,
      target: resolvedTarget(pod, nodeName, container.name, status.containerID, status.image),
      collectorTarget: { containerId: bareContainerId(status.containerID) },
      preliminary: podSpecFindings(pod, container.name),
    };
  }
}

function resolvedTarget(
  pod: V1Pod,
  nodeName: string,
  container: string,
  containerID: string,
  image: string | undefined,
): ResolvedTarget {
  const spec = pod.spec!.containers.find((c) => c.name === container);
  const memory = parseQuantity(spec?.resources?.limits?.memory);
  const cpu = parseQuantity(spec?.resources?.limits?.cpu);
  const target: ResolvedTarget = {
    node: nodeName,
    podUID: pod.metadata!.uid!,
    container,
    containerID,
  };
  if (image ?? spec?.image) target.image = image ?? spec?.image;
  if (memory !== undefined) target.memoryLimitBytes = Math.round(memory);
  if (cpu !== undefined) target.cpuLimitMillis = Math.round(cpu * 1000);
  return target;
}
