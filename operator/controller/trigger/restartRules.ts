/**
 * Pure decisions of the pod-restart trigger: which containers were OOM-killed, which workload
 * they belong to, the deterministic Diagnosis name per workload and cooldown window, how many of
 * a container's restarts are not accounted yet, and how a restart is recorded on a Diagnosis.
 *
 * Accounting is derived from what is recorded, never from what this process happened to see: a
 * container's restarts already counted are the highest restartCount recorded for it (same pod
 * UID) on any Diagnosis of its workload; what lies above that is new. So a leader change, an
 * operator restart or a missed watch event all give the same count. How many of those new
 * restarts count is bounded by what the pod status can prove happened within the freshness
 * window (newRestarts), so last week's restarts are never dug up. The Diagnosis reconciler keeps
 * an automatic Diagnosis at least two cooldown windows after its creation (see expiryRules.ts):
 * once it is gone, everything it counted lies before the freshness window, and is not counted
 * again.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type {
  Diagnosis,
  DiagnosisStatus,
  RecordedRestart,
  Trigger,
} from "../../api/v1alpha1/diagnosis.js";
import { AUTO_TRIGGER_ANNOTATION } from "../../api/v1alpha1/wellKnown.js";

/** Entries kept in status.trigger.restarts (the CRD's maxItems). */
export const MAX_RECORDED_RESTARTS = 100;

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

/** A container whose last termination was an OOM kill, as its pod status shows it now. */
export interface OomTermination {
  container: string;
  exitCode: number;
  reason?: string;
  restartCount: number;
  /** When the killed container finished (restart number restartCount). */
  finishedAt?: Date;
  /** When the killed container had started: just after restart restartCount - 1. */
  startedAt?: Date;
}

export function oomTerminations(pod: V1Pod): OomTermination[] {
  const out: OomTermination[] = [];
  for (const s of pod.status?.containerStatuses ?? []) {
    const t = s.lastState?.terminated;
    if (!t || !isOomKill(t) || s.restartCount < 1) continue;
    const o: OomTermination = {
      container: s.name,
      exitCode: t.exitCode,
      restartCount: s.restartCount,
    };
    if (t.reason) o.reason = t.reason.slice(0, 128);
    if (t.finishedAt) o.finishedAt = new Date(t.finishedAt);
    if (t.startedAt) o.startedAt = new Date(t.startedAt);
    out.push(o);
  }
  return out;
}

/** The highest restart count recorded for a container, and when that restart happened. */
export interface RecordedCount {
  restartCount: number;
  at: Date;
}

function entryTime(e: RecordedRestart): Date {
  return new Date(e.finishedAt ?? e.observedAt);
}

/** Whether a recorded entry is about this container of this pod (a recreated pod is another). */
function sameContainer(
  e: { pod: string; podUID?: string; container: string },
  pod: { name: string; uid?: string },
  container: string,
): boolean {
  return (
    e.pod === pod.name &&
    e.container === container &&
    (!e.podUID || !pod.uid || e.podUID === pod.uid)
  );
}

function isTarget(target: { pod?: string; container?: string }, pod: string, container: string) {
  return target.pod === pod && (!target.container || target.container === container);
}

/**
 * A trigger written before the list held the Diagnosis' own restart: only its fields
 * (restartCount) and spec.target name it, by pod name.
 */
function ownRestartUnlisted(t: Trigger, target: { pod?: string }): boolean {
  return t.restartCount !== undefined && !(t.restarts ?? []).some((e) => e.pod === target.pod);
}

/**
 * What the trigger reads of a Diagnosis: identity, age, target and status.trigger. The cache's
 * trimmed Diagnoses and the status writer's remembered copies both are one.
 */
export interface TriggerView {
  metadata: Pick<
    Diagnosis["metadata"],
    "namespace" | "name" | "uid" | "creationTimestamp" | "deletionTimestamp"
  >;
  spec: Pick<Diagnosis["spec"], "target">;
  status?: Pick<DiagnosisStatus, "trigger">;
}

/**
 * What the Diagnoses of a workload (and records not written yet) say was counted for one
 * container: the highest recorded restart count. A Diagnosis written before the list held its
 * own restart names it only in spec.target and trigger.restartCount: that counts too.
 */
export function recordedRestart(
  diagnoses: Iterable<TriggerView>,
  unwritten: Iterable<RecordedRestart>,
  pod: { name: string; uid?: string },
  container: string,
): RecordedCount | undefined {
  let best: RecordedCount | undefined;
  const consider = (restartCount: number, at: Date): void => {
    if (!best || restartCount > best.restartCount) best = { restartCount, at };
  };
  for (const d of diagnoses) {
    const t = d.status?.trigger;
    if (t?.source !== "PodRestart") continue;
    for (const e of t.restarts ?? [])
      if (sameContainer(e, pod, container)) consider(e.restartCount, entryTime(e));
    if (ownRestartUnlisted(t, d.spec.target) && isTarget(d.spec.target, pod.name, container))
      consider(t.restartCount!, new Date(d.metadata.creationTimestamp ?? 0));
  }
  for (const e of unwritten)
    if (sameContainer(e, pod, container)) consider(e.restartCount, entryTime(e));
  return best;
}

/**
 * How many of a container's restarts are new: those above the recorded count that provably
 * happened after `cutoff` (now minus the freshness window, the cooldown). The pod status only
 * dates the last restart (finishedAt) and the one before it (the killed container's startedAt);
 * every restart above the recorded count is after that recorded restart, and every restart of a
 * pod is after its creation. So:
 *  - the last restart is older than the cutoff: nothing (an old OOM kill, or the operator was
 *    away longer than the window);
 *  - the recorded restart, or the pod itself, is after the cutoff: all of them;
 *  - else the last one, and the one before if it is dated after the cutoff.
 * Restarts between two recorded OOM kills are counted as OOM kills (the pod status keeps only
 * the last termination), as restarts the trigger saw coalesce into one update are.
 */
export function newRestarts(
  t: OomTermination,
  recorded: RecordedCount | undefined,
  podCreatedAt: Date | undefined,
  cutoff: Date,
): number {
  const above = t.restartCount - (recorded?.restartCount ?? 0);
  if (above <= 0) return 0;
  const c = cutoff.getTime();
  if (t.finishedAt && t.finishedAt.getTime() <= c) return 0;
  if ((recorded && recorded.at.getTime() > c) || (podCreatedAt && podCreatedAt.getTime() > c))
    return above;
  return above > 1 && t.startedAt && t.startedAt.getTime() > c ? 2 : 1;
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

/** One container's restart to record: its entry, and how many restarts it adds to the count. */
export interface RestartRecord {
  entry: RecordedRestart;
  /** New restarts up to and including entry.restartCount (newRestarts). */
  count: number;
}

export function restartRecord(
  pod: { name: string; uid?: string },
  t: OomTermination,
  count: number,
  observedAt: Date,
): RestartRecord {
  const entry: RecordedRestart = {
    pod: pod.name.slice(0, 253),
    container: t.container,
    exitCode: t.exitCode,
    restartCount: t.restartCount,
    observedAt: observedAt.toISOString(),
  };
  if (pod.uid) entry.podUID = pod.uid.slice(0, 36);
  if (t.reason) entry.reason = t.reason;
  if (t.finishedAt) entry.finishedAt = t.finishedAt.toISOString();
  return { entry, count };
}

/**
 * `trigger` with `record` on it: the container's entry added or moved up to the new count, and
 * the new restarts counted. What the stored trigger already holds wins: a restart count at or
 * below the container's recorded one adds nothing (undefined: nothing to write), and one above
 * counts at most the difference (the record was computed from an older view). A trigger never
 * written gets its own fields from its target's restart (or just the list, for another pod's).
 * A full list still counts the restart, without an entry.
 */
export function recordRestart(
  trigger: Trigger | undefined,
  target: { pod?: string; container?: string },
  workload: string,
  record: RestartRecord,
): Trigger | undefined {
  const e = record.entry;
  const base: Trigger =
    trigger?.source === "PodRestart"
      ? { ...trigger }
      : { source: "PodRestart", workload: workload.slice(0, 253), restartsObserved: 0 };
  const list = base.restarts ?? [];
  const at = list.findIndex((x) => sameContainer(x, { name: e.pod, uid: e.podUID }, e.container));
  const own = isTarget(target, e.pod, e.container);
  let known = at >= 0 ? list[at]!.restartCount : undefined;
  if (known === undefined && own && ownRestartUnlisted(base, target)) known = base.restartCount;
  if (known !== undefined && e.restartCount <= known) return undefined;
  const count = known !== undefined ? Math.min(record.count, e.restartCount - known) : record.count;
  if (own && base.restartCount === undefined) {
    base.exitCode = e.exitCode;
    base.restartCount = e.restartCount;
    if (e.reason) base.reason = e.reason;
  }
  if (at >= 0) base.restarts = list.map((x, i) => (i === at ? e : x));
  else if (list.length < MAX_RECORDED_RESTARTS) base.restarts = [...list, e];
  base.restartsObserved = (base.restartsObserved ?? 0) + count;
  return base;
}
