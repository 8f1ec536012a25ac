/**
 * The burst's layout, pure: `restarts` pods (one OOM restart each) in `workloads` Deployments,
 * their ReplicaSet pods spread over `nodes` fake nodes, and the send order (round-robin over the
 * workloads, so every workload sees restarts throughout the window, as in a real incident).
 */
import { type BenchPodOwner, workloadOwner } from "./benchObjects.js";

export interface BurstPod {
  name: string;
  node: string;
  workload: string;
  owner: BenchPodOwner;
}

export function burstPods(opts: {
  restarts: number;
  workloads: number;
  nodes: readonly string[];
}): BurstPod[] {
  if (opts.workloads < 1 || opts.restarts < opts.workloads)
    throw new RangeError("need at least one restart per workload");
  if (opts.nodes.length === 0) throw new RangeError("need at least one node");
  const pods: BurstPod[] = [];
  const width = String(opts.workloads - 1).length;
  for (let i = 0; i < opts.restarts; i++) {
    const w = i % opts.workloads;
    const replica = Math.floor(i / opts.workloads);
    const workload = `burst-${String(w).padStart(width, "0")}`;
    const owner = workloadOwner(workload);
    pods.push({
      name: `${owner.replicaSet}-${replica.toString(36).padStart(5, "x")}`,
      node: opts.nodes[i % opts.nodes.length]!,
      workload,
      owner,
    });
  }
  return pods;
}

/** Send offsets in ms spreading `count` sends evenly over `windowMs` (first at 0). */
export function sendSchedule(count: number, windowMs: number): number[] {
  if (count <= 1) return count === 1 ? [0] : [];
  return Array.from({ length: count }, (_, i) => Math.round((i * windowMs) / count));
}

/** Restarts accounted for by Diagnoses: each one's trigger.restartsObserved. */
export function accountedRestarts(
  diagnoses: readonly { status?: { trigger?: { restartsObserved?: number } } }[],
): number {
  return diagnoses.reduce((n, d) => n + (d.status?.trigger?.restartsObserved ?? 0), 0);
}
