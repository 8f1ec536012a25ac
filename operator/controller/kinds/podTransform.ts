/**
 * Trim Pods to the fields the operator reads, so a 10,000-pod cluster costs little memory,
 * and decode their timestamps to Date as @kubernetes/client-node's V1Pod type declares.
 * Strings many objects repeat go through a StringPool, and whole container specs and owner
 * references through a SharedObjects pool (replicas of one workload share one copy); both are
 * shared by the caller between the informers of a kind (kinds.ts); without them, each call gets
 * its own (tests). Shared objects are frozen: the cache is read-only.
 */
import type {
  V1Container,
  V1ContainerStateTerminated,
  V1ContainerStatus,
  V1Job,
  V1JobCondition,
  V1Node,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1Taint,
} from "@kubernetes/client-node";
import {
  AUTO_TRIGGER_ANNOTATION,
  DIAGNOSIS_NAME_LABEL,
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
  JOB_CONTROLLER_UID_LABEL,
  MANAGED_BY_LABEL,
} from "../../api/v1alpha1/wellKnown.js";
import { SharedObjects } from "./sharedObjects.js";
import { StringPool } from "./stringPool.js";

/**
 * The pod labels the operator reads: the trigger's (a ReplicaSet pod's template hash names its
 * Deployment) and the collector pods' (their Job and Diagnosis). Others are not cached.
 */
const POD_LABELS: readonly string[] = [
  "pod-template-hash",
  JOB_CONTROLLER_UID_LABEL,
  MANAGED_BY_LABEL,
  DIAGNOSIS_NAME_LABEL,
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
];
/** The pod annotations the operator reads (the trigger's opt-out). */
const POD_ANNOTATIONS: readonly string[] = [AUTO_TRIGGER_ANNOTATION];
/** A termination message is read from collector pods only (their report); bounded anyway. */
const MAX_TERMINATION_MESSAGE = 4096;

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

/** Only `keys` of a string map (shared strings); undefined when none is there. */
function pickedMap(
  pool: StringPool,
  v: unknown,
  keys: readonly string[],
): Record<string, string> | undefined {
  const m = obj(v);
  if (!m) return undefined;
  let out: Record<string, string> | undefined;
  for (const k of keys) {
    const x = m[k];
    if (typeof x === "string") {
      out ??= {};
      out[k] = pool.intern(x);
    }
  }
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

/** The pod's controller (what owningWorkload reads), one shared copy per owner. */
function controllerRef(
  raw: unknown,
  pool: StringPool,
  objects: SharedObjects,
): V1OwnerReference[] | undefined {
  for (const r of arr(raw) ?? []) {
    const o = obj(r);
    if (o?.controller !== true) continue;
    const ref: V1OwnerReference = {
      apiVersion: shared(pool, o.apiVersion) ?? "",
      kind: shared(pool, o.kind) ?? "",
      name: shared(pool, o.name) ?? "",
      uid: shared(pool, o.uid) ?? "",
      controller: true,
    };
    return objects.share(`owner\u0000${ref.uid}\u0000${ref.kind}\u0000${ref.name}`, () => [ref]);
  }
  return undefined;
}

function trimPodMetadata(raw: unknown, pool: StringPool, objects: SharedObjects): V1ObjectMeta {
  const m = obj(raw) ?? {};
  return defined({
    name: str(m.name),
    namespace: shared(pool, m.namespace),
    uid: str(m.uid),
    resourceVersion: str(m.resourceVersion),
    creationTimestamp: toDate(m.creationTimestamp),
    deletionTimestamp: toDate(m.deletionTimestamp),
    labels: pickedMap(pool, m.labels, POD_LABELS),
    annotations: pickedMap(pool, m.annotations, POD_ANNOTATIONS),
    ownerReferences: controllerRef(m.ownerReferences, pool, objects),
  });
}

/** What the trigger reads of a container's last termination. */
function trimLastTerminated(
  raw: unknown,
  pool: StringPool,
): V1ContainerStateTerminated | undefined {
  const t = obj(raw);
  if (!t) return undefined;
  return defined({
    exitCode: typeof t.exitCode === "number" ? t.exitCode : 0,
    reason: shared(pool, t.reason),
    startedAt: toDate(t.startedAt),
    finishedAt: toDate(t.finishedAt),
  });
}

/** A container that has ended (collector pods: the report in its message). */
function trimTerminated(raw: unknown, pool: StringPool): V1ContainerStateTerminated | undefined {
  const t = obj(raw);
  if (!t) return undefined;
  const message = str(t.message);
  return defined({
    exitCode: typeof t.exitCode === "number" ? t.exitCode : 0,
    reason: shared(pool, t.reason),
    message: message?.slice(0, MAX_TERMINATION_MESSAGE),
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

/** The containers' specs: replicas of one template share one frozen copy. */
function trimContainers(raw: unknown, pool: StringPool, objects: SharedObjects): V1Container[] {
  const containers = (arr(raw) ?? []).map((c) => trimContainer(pool, c));
  return objects.share(`containers\u0000${JSON.stringify(containers)}`, () => containers);
}

function trimContainerStatus(pool: StringPool, raw: unknown): V1ContainerStatus {
  const s = obj(raw) ?? {};
  const status: V1ContainerStatus = {
    name: shared(pool, s.name) ?? "",
    image: shared(pool, s.image) ?? "",
    imageID: "",
    ready: s.ready === true,
    restartCount: typeof s.restartCount === "number" ? s.restartCount : 0,
  };
  const containerID = str(s.containerID);
  if (containerID) status.containerID = containerID;
  const lastTerminated = trimLastTerminated(obj(s.lastState)?.terminated, pool);
  if (lastTerminated) status.lastState = { terminated: lastTerminated };
  const terminated = trimTerminated(obj(s.state)?.terminated, pool);
  if (terminated) status.state = { terminated };
  return status;
}

/**
 * What the trigger, target resolution and the collector-pod reads use: identity, the controller
 * owner, the labels and annotations above, node, container specs (shared), phase, and per
 * container its ID, image, restart count, last termination and terminated state.
 */
export function trimPod(
  raw: unknown,
  pool: StringPool = new StringPool(),
  objects: SharedObjects = new SharedObjects(),
): V1Pod {
  const p = obj(raw) ?? {};
  const spec = obj(p.spec) ?? {};
  const status = obj(p.status) ?? {};
  return defined({
    apiVersion: "v1",
    kind: "Pod",
    metadata: trimPodMetadata(p.metadata, pool, objects),
    spec: defined({
      nodeName: shared(pool, spec.nodeName),
      containers: trimContainers(spec.containers, pool, objects),
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
