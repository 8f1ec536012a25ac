/**
 * Caps on concurrent collector Jobs, per node and per cluster, and whose turn a free slot is.
 * The Job cache lags a create by a few milliseconds, so Jobs this process created but the cache
 * has not shown yet are reserved here; check-and-reserve is synchronous, so two reconciles of one
 * process cannot both take the last slot (leader election keeps it to one process).
 *
 * Fair share: the Diagnoses that asked for a slot and were refused wait here, and a free slot
 * goes round robin across their namespaces (the namespace after the one served last, by name),
 * oldest Diagnosis first within a namespace. Whoever asks first no longer wins, so one
 * namespace's burst of Diagnoses holds another namespace's for at most one slot turn.
 */
import type { V1Job } from "@kubernetes/client-node";
import type { Clock } from "../runtime/contracts.js";

export interface ActiveJob {
  name: string;
  node: string;
}

export interface JobCaps {
  maxJobsPerNode: number;
  maxJobs: number;
}

const FINISHED = new Set(["Complete", "Failed", "SuccessCriteriaMet", "FailureTarget"]);

export function jobFinished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some((c) => FINISHED.has(c.type) && c.status === "True");
}

/** Jobs that hold a slot: not finished, not being deleted. */
function activeJobs(jobs: readonly V1Job[]): ActiveJob[] {
  return jobs
    .filter((j) => !jobFinished(j) && !j.metadata?.deletionTimestamp)
    .map((j) => ({ name: j.metadata!.name!, node: j.spec?.template.spec?.nodeName ?? "" }));
}

export type SlotDecision = { ok: true } | { ok: false; message: string };

/** Pure: may one more Job start on `node`? */
export function decideSlot(
  active: readonly ActiveJob[],
  node: string,
  caps: JobCaps,
): SlotDecision {
  if (active.length >= caps.maxJobs)
    return {
      ok: false,
      message: `${active.length}/${caps.maxJobs} collector Jobs are running in the cluster`,
    };
  const onNode = active.filter((j) => j.node === node).length;
  if (onNode >= caps.maxJobsPerNode)
    return {
      ok: false,
      message: `${onNode}/${caps.maxJobsPerNode} collector Jobs are running on node ${node}`,
    };
  return { ok: true };
}

/** A reservation the cache never confirms (create failed oddly) is dropped after this. */
const RESERVATION_TTL_MS = 60_000;
/**
 * A waiter that stopped asking (deleted, failed, its reconciles erroring) is forgotten after
 * this, so it cannot hold a turn; queued Diagnoses ask again every few seconds.
 */
const WAITER_TTL_MS = 30_000;

/** A Diagnosis' collector Job waiting for a slot. */
export interface Waiter {
  /** The Job's name (one per Diagnosis). */
  name: string;
  /** The Diagnosis' namespace: the unit of fair share. */
  namespace: string;
  node: string;
  /** Order within the namespace: the Diagnosis' creation, so a restart keeps it. */
  since: number;
}

/**
 * Pure: whose turn the next free slot is, among waiters whose node has room; undefined when no
 * slot is free for any of them. Round robin across namespaces in name order, starting after
 * `lastServed`; within a namespace the oldest waiter (then the name, for a stable order).
 */
export function nextTurn(
  waiters: readonly Waiter[],
  active: readonly ActiveJob[],
  caps: JobCaps,
  lastServed: string | undefined,
): Waiter | undefined {
  const eligible = waiters.filter((w) => decideSlot(active, w.node, caps).ok);
  if (eligible.length === 0) return undefined;
  const namespaces = [...new Set(eligible.map((w) => w.namespace))].sort();
  const ns =
    (lastServed === undefined ? undefined : namespaces.find((n) => n > lastServed)) ??
    namespaces[0];
  return eligible
    .filter((w) => w.namespace === ns)
    .sort((a, b) => a.since - b.since || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

export class CollectorSlots {
  private readonly reserved = new Map<string, { node: string; at: number }>();
  private readonly waiting = new Map<string, Waiter & { askedAt: number }>();
  private lastServed: string | undefined;

  constructor(
    private readonly caps: JobCaps,
    private readonly clock: Clock,
  ) {}

  /**
   * Takes a slot for the Job `w.name` if one is free and it is this Job's turn; otherwise the
   * Job waits (and keeps its place while it asks again). `cached` is every collector Job in the
   * cache.
   */
  tryReserve(w: Waiter, cached: readonly V1Job[]): SlotDecision {
    const now = this.clock.now().getTime();
    const cachedNames = new Set(cached.map((j) => j.metadata?.name));
    for (const [n, r] of this.reserved) {
      if (cachedNames.has(n) || now - r.at > RESERVATION_TTL_MS) this.reserved.delete(n);
    }
    for (const [n, x] of this.waiting) if (now - x.askedAt > WAITER_TTL_MS) this.waiting.delete(n);
    const active = activeJobs(cached);
    for (const [n, r] of this.reserved) active.push({ name: n, node: r.node });

    const capacity = decideSlot(active, w.node, this.caps);
    this.waiting.set(w.name, { ...w, askedAt: now });
    if (!capacity.ok) return capacity;
    const turn = nextTurn([...this.waiting.values()], active, this.caps, this.lastServed);
    if (turn && turn.name !== w.name) {
      const namespaces = new Set([...this.waiting.values()].map((x) => x.namespace)).size;
      return {
        ok: false,
        message:
          turn.namespace === w.namespace
            ? `an older Diagnosis of namespace ${w.namespace} is first`
            : `it is namespace ${turn.namespace}'s turn (free slots go round robin across the ${namespaces} namespaces waiting)`,
      };
    }
    this.waiting.delete(w.name);
    this.reserved.set(w.name, { node: w.node, at: now });
    this.lastServed = w.namespace;
    return { ok: true };
  }

  /** The Job finished, failed, or its Diagnosis no longer needs one: its slot and place go. */
  release(name: string): void {
    this.reserved.delete(name);
    this.waiting.delete(name);
  }
}
