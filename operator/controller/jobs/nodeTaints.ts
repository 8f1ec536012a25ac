/**
 * Whether the collector may run on a node, by its taints. The collector Job is pinned with
 * spec.nodeName, which bypasses the scheduler: the kubelet itself only refuses a pod for an
 * untolerated NoExecute taint, so a NoSchedule taint (a control-plane node's
 * node-role.kubernetes.io/control-plane, a team's dedicated nodes) would not keep a collector
 * away. The operator applies the scheduler's rule itself before it creates the Job: every
 * NoSchedule and NoExecute taint of the node must be tolerated by the collector's tolerations
 * (chart value collector.tolerations). PreferNoSchedule is a preference, not a refusal.
 */
import type { V1Taint, V1Toleration } from "@kubernetes/client-node";

/** Kubernetes' ToleratesTaint (k8s.io/api/core/v1/toleration.go). */
export function tolerates(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? "Equal";
  if (operator === "Exists") return true;
  // An empty key matches every key only with Exists.
  if (!toleration.key) return false;
  return (toleration.value ?? "") === (taint.value ?? "");
}

/** The first NoSchedule or NoExecute taint none of `tolerations` tolerates. */
export function untoleratedTaint(
  taints: readonly V1Taint[],
  tolerations: readonly V1Toleration[],
): V1Taint | undefined {
  return taints.find(
    (t) =>
      (t.effect === "NoSchedule" || t.effect === "NoExecute") &&
      !tolerations.some((tol) => tolerates(tol, t)),
  );
}

export function describeTaint(t: V1Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;
}
