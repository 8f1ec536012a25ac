/**
 * Trim Pods to the fields the operator reads, so a 10,000-pod cluster costs little memory,
 * and decode their timestamps to Date as @kubernetes/client-node's V1Pod type declares.
 * Strings many objects repeat go through a StringPool the caller shares between the informers
 * of a kind (kinds.ts); without one, each call gets its own (tests).
 */
import type {
  V1Container,
  V1ContainerStateTerminated,
  V1ContainerStatus,
  V1Job,
  V1JobCondition,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1Taint,
} from "@kubernetes/client-node";

import { StringPool } from "./stringPool.js";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function arr(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** str() for values many objects repeat: one shared copy. */
function shared(pool: StringPool, v: unknown): string | undefined {
  return typeof v === "string" ? pool.intern(v) : undefined;
}

/** A string map (labels, limits) with shared keys and values. */
function sharedMap(pool: StringPool, v: unknown): Record<string, string> | undefined {
  const m = obj(v);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(m))
    if (typeof x === "string") out[pool.intern(k)] = pool.intern(x);
  return out;
}

/** API timestamps are RFC 3339 strings; Date when already decoded. */
function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v !== "string" || v === "") return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function defined<T extends object>(o: T): T {
  const out = {} as T;
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function trimMetadata(raw: unknown, pool: StringPool): V1ObjectMeta {
  const m = obj(raw) ?? {};
  return defined({
    name: str(m.name),
    namespace: shared(pool, m.namespace),
    uid: str(m.uid),
    resourceVersion: str(m.resourceVersion),
    generation: typeof m.generation === "number" ? m.generation : undefined,
    creationTimestamp: toDate(m.creationTimestamp),
    deletionTimestamp: toDate(m.deletionTimestamp),
    labels: sharedMap(pool, m.labels),
    annotations: obj(m.annotations) as Record<string, string> | undefined,
    ownerReferences: arr(m.ownerReferences) as V1ObjectMeta["ownerReferences"],
    finalizers: arr(m.finalizers) as string[] | undefined,
  });
}

function trimTerminated(raw: unknown): V1ContainerStateTerminated | undefined {
  const t = obj(raw);
  if (!t) return undefined;
  return defined({
    ...(t as unknown as V1ContainerStateTerminated),
    startedAt: toDate(t.startedAt),
    finishedAt: toDate(t.finishedAt),
  });
}

function trimContainer(pool: StringPool, raw: unknown): V1Container {
  const c = obj(raw) ?? {};
  const limits = sharedMap(pool, obj(c.resources)?.limits);
  const env = arr(c.env)?.map((e) => {
    const x = obj(e) ?? {};
    // valueFrom (secrets, field refs) is dropped on purpose: only literal values are analysed.
    return defined({ name: shared(pool, x.name) ?? "", value: shared(pool, x.value) });
  });
  return defined({
    name: shared(pool, c.name) ?? "",
    image: shared(pool, c.image),
    resources: limits ? { limits } : undefined,
    env,
    args: arr(c.args) as string[] | undefined,
    command: arr(c.command) as string[] | undefined,
  });
}

function trimContainerStatus(pool: StringPool, raw: unknown): V1ContainerStatus {
  const s = obj(raw) ?? {};
  const lastTerminated = trimTerminated(obj(s.lastState)?.terminated);
  const terminated = trimTerminated(obj(s.state)?.terminated);
  return defined({
    name: shared(pool, s.name) ?? "",
    containerID: str(s.containerID),
    image: shared(pool, s.image) ?? "",
    imageID: "",
    ready: s.ready === true,
    restartCount: typeof s.restartCount === "number" ? s.restartCount : 0,
    lastState: lastTerminated ? { terminated: lastTerminated } : undefined,
    state: terminated ? { terminated } : undefined,
  });
}

export function trimPod(raw: unknown, pool: StringPool = new StringPool()): V1Pod {
  const p = obj(raw) ?? {};
  const spec = obj(p.spec) ?? {};
  const status = obj(p.status) ?? {};
  return defined({
    apiVersion: "v1",
    kind: "Pod",
    metadata: trimMetadata(p.metadata, pool),
    spec: defined({
      nodeName: shared(pool, spec.nodeName),
      containers: (arr(spec.containers) ?? []).map((c) => trimContainer(pool, c)),
    }),
    status: defined({
      phase: shared(pool, status.phase),
      containerStatuses: arr(status.containerStatuses)?.map((c) => trimContainerStatus(pool, c)),
    }),
  });
}

/**
 * Nodes are watched to know which exist (a vanished node fails its Diagnoses) and which taints
 * they carry (a collector goes only where its tolerations allow): metadata identity and taints
 * only, so big label/annotation sets and node status churn cost no memory.
 */
export function trimNode(raw: unknown): V1Node {
  const n = obj(raw) ?? {};
  const m = obj(n.metadata) ?? {};
  const taints = arr(obj(n.spec)?.taints)?.flatMap((t): V1Taint[] => {
    const x = obj(t);
    const key = str(x?.key);
    const effect = str(x?.effect);
    return key && effect ? [defined({ key, value: str(x?.value), effect })] : [];
  });
  return defined({
    apiVersion: "v1",
    kind: "Node",
    metadata: defined({
      name: str(m.name),
      uid: str(m.uid),
      resourceVersion: str(m.resourceVersion),
      creationTimestamp: toDate(m.creationTimestamp),
      deletionTimestamp: toDate(m.deletionTimestamp),
    }),
    spec: taints?.length ? { taints } : undefined,
  });
}

/** Jobs are few (our own): keep them whole, decode timestamps only. */
export function decodeJob(raw: unknown): V1Job {
  const j = obj(raw) ?? {};
  const status = obj(j.status);
  const job = { ...(j as unknown as V1Job), metadata: { ...(obj(j.metadata) as V1ObjectMeta) } };
  const meta = obj(j.metadata) ?? {};
  const created = toDate(meta.creationTimestamp);
  const deleted = toDate(meta.deletionTimestamp);
  if (created) job.metadata.creationTimestamp = created;
  if (deleted) job.metadata.deletionTimestamp = deleted;
  if (status) {
    job.status = defined({
      ...(status as V1Job["status"] & object),
      startTime: toDate(status.startTime),
      completionTime: toDate(status.completionTime),
      conditions: arr(status.conditions)?.map((c) => {
        const x = obj(c) ?? {};
        return defined({
          ...(x as unknown as V1JobCondition),
          lastProbeTime: toDate(x.lastProbeTime),
          lastTransitionTime: toDate(x.lastTransitionTime),
        });
      }),
    });
  }
  return job;
}
