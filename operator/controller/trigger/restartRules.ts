/**
 * Pure decisions of the pod-restart trigger: which restarts are new OOM kills, which workload
 * they belong to, the deterministic Diagnosis name per workload and cooldown window, and how a
 * later restart is recorded on an existing Diagnosis.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { RecordedRestart, Trigger } from "../../api/v1alpha1/diagnosis.js";
import { AUTO_TRIGGER_ANNOTATION } from "../../api/v1alpha1/wellKnown.js";

const MAX_RECORDED_RESTARTS = 50;

/** Restart counts last seen per container of one pod (by pod UID, so a recreated pod starts over). */
export interface SeenRestarts {
  uid: string;
  counts: Record<string, number>;
}

export interface OomRestart {
  container: string;
  exitCode: number;
  reason?: string;
  restartCount: number;
  /** Restarts since last seen (1 on first sight): counted into restartsObserved. */
  delta: number;
  /** When the killed container finished (else when observed). */
  at: Date;
}

export function isOomKill(t: { exitCode?: number; reason?: string }): boolean {
  return t.exitCode === 137 || t.reason === "OOMKilled";
}

/**
 * Whether any container's restart count differs between two status lists (a container without
 * a status yet has not restarted: count 0). On the Pod watch's hot path: no allocation, and the
 * kubelet keeps the order, so the same index is tried before a search by name.
 */
export function restartCountsMoved(
  before: readonly { name: string; restartCount?: number }[],
  after: readonly { name: string; restartCount?: number }[],
): boolean {
  for (let i = 0; i < after.length; i++) {
    const s = after[i]!;
    const b = before[i]?.name === s.name ? before[i] : before.find((x) => x.name === s.name);
    if ((s.restartCount ?? 0) !== (b?.restartCount ?? 0)) return true;
  }
  return false;
}

/**
 * New OOM restarts of `pod` since `seen`, and the counts to remember.
 * First sight of a pod (operator start, or a pod new to the cache): its last termination counts
 * only if it is recent (within `freshMs`), so an operator restart never loses an OOM kill that
 * happened while it was down, and never digs up last week's; the deterministic Diagnosis name
 * then dedupes what was already diagnosed.
 */
export function detectOomRestarts(
  pod: V1Pod,
  seen: SeenRestarts | undefined,
  now: Date,
  freshMs: number,
): { restarts: OomRestart[]; seen: SeenRestarts } {
  const uid = pod.metadata?.uid ?? "";
  const previous = seen?.uid === uid ? seen.counts : undefined;
  const counts: Record<string, number> = {};
  const restarts: OomRestart[] = [];
  for (const s of pod.status?.containerStatuses ?? []) {
    counts[s.name] = s.restartCount;
    const t = s.lastState?.terminated;
    if (!t || !isOomKill(t)) continue;
    const finished = t.finishedAt ? new Date(t.finishedAt) : undefined;
    const before = previous?.[s.name];
    let delta: number;
    if (before === undefined) {
      const recent = !finished || now.getTime() - finished.getTime() <= freshMs;
      if (!recent || s.restartCount === 0) continue;
      delta = 1;
    } else {
      if (s.restartCount <= before) continue;
      delta = s.restartCount - before;
    }
    const r: OomRestart = {
      container: s.name,
      exitCode: t.exitCode,
      restartCount: s.restartCount,
      delta,
      at: finished ?? now,
    };
    if (t.reason) r.reason = t.reason.slice(0, 128);
    restarts.push(r);
  }
  return { restarts, seen: { uid, counts } };
}

export interface Workload {
  kind: string;
  name: string;
}

/**
 * The owning controller: a ReplicaSet's name minus its pod-template-hash is its Deployment (no
 * extra GET); StatefulSets, DaemonSets, Jobs name themselves; a bare pod is its own workload.
 */
export function owningWorkload(pod: V1Pod): Workload {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (!owner) return { kind: "Pod", name: pod.metadata!.name! };
  if (owner.kind === "ReplicaSet") {
    const hash = pod.metadata?.labels?.["pod-template-hash"];
    if (hash && owner.name.endsWith(`-${hash}`))
      return { kind: "Deployment", name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind, name: owner.name };
}

export function cooldownWindow(at: Date, cooldownSeconds: number): number {
  return Math.floor(at.getTime() / 1000 / cooldownSeconds);
}

/** `<workload>-oom-<window>`: one name per workload per window, so a 409 means "already diagnosed". */
export function triggeredDiagnosisName(workload: string, window: number): string {
  const suffix = `-oom-${window}`;
  const head = workload.slice(0, 253 - suffix.length).replace(/[-.]+$/, "");
  return `${head}${suffix}`;
}

export function optedOut(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[AUTO_TRIGGER_ANNOTATION] === "false";
}

function triggerFor(workload: Workload, r: OomRestart): Trigger {
  const t: Trigger = {
    source: "PodRestart",
    exitCode: r.exitCode,
    restartCount: r.restartCount,
    workload: workload.name.slice(0, 253),
    restartsObserved: r.delta,
  };
  if (r.reason) t.reason = r.reason;
  return t;
}

/**
 * `trigger` with restart `r` of `podName` recorded: appended to the bounded list (oldest dropped)
 * and counted. Undefined (nothing to write) when this very restart is already there: the
 * Diagnosis' own (its target pod, container and trigger.restartCount) or a listed one, as after an
 * operator restart. A Diagnosis whose trigger was never written gets this restart as its own.
 */
export function recordRestart(
  trigger: Trigger | undefined,
  target: { pod?: string; container?: string },
  podName: string,
  workload: Workload,
  r: OomRestart,
  observedAt: Date,
): Trigger | undefined {
  const entry: RecordedRestart = {
    pod: podName.slice(0, 253),
    container: r.container,
    exitCode: r.exitCode,
    restartCount: r.restartCount,
    observedAt: observedAt.toISOString(),
  };
  if (r.reason) entry.reason = r.reason;
  const own = target.pod === podName && (!target.container || target.container === r.container);
  if (trigger?.source !== "PodRestart") {
    // Created by a run that has not written the trigger yet (or stopped before it did). Another
    // pod's restart is listed, leaving the trigger's own fields to the target pod's restart.
    if (own) return triggerFor(workload, r);
    return {
      source: "PodRestart",
      workload: workload.name.slice(0, 253),
      restarts: [entry],
      restartsObserved: r.delta,
    };
  }
  if (own && trigger.restartCount === undefined) {
    const t: Trigger = {
      ...trigger,
      exitCode: r.exitCode,
      restartCount: r.restartCount,
      restartsObserved: (trigger.restartsObserved ?? 0) + r.delta,
    };
    if (r.reason) t.reason = r.reason;
    return t;
  }
  if (own && trigger.restartCount === r.restartCount) return undefined;
  const list = trigger.restarts ?? [];
  if (
    list.some(
      (x) => x.pod === podName && x.container === r.container && x.restartCount === r.restartCount,
    )
  )
    return undefined;
  return {
    ...trigger,
    restarts: [...list, entry].slice(-MAX_RECORDED_RESTARTS),
    restartsObserved: (trigger.restartsObserved ?? 1) + r.delta,
  };
}
