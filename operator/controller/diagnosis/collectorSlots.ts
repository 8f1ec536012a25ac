/**
 * Caps on concurrent collector Jobs, per node and per cluster. The Job cache lags a create by a
 * few milliseconds, so Jobs this process created but the cache has not shown yet are reserved
 * here; check-and-reserve is synchronous, so two reconciles of one process cannot both take the
 * last slot (leader election keeps it to one process).
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

export class CollectorSlots {
  private readonly reserved = new Map<string, { node: string; at: number }>();

  constructor(
    private readonly caps: JobCaps,
    private readonly clock: Clock,
  ) {}

  /** Takes a slot for `name` if one is free; `cached` is every collector Job in the cache. */
  tryReserve(name: string, node: string, cached: readonly V1Job[]): SlotDecision {
    const now = this.clock.now().getTime();
    const cachedNames = new Set(cached.map((j) => j.metadata?.name));
    for (const [n, r] of this.reserved) {
      if (cachedNames.has(n) || now - r.at > RESERVATION_TTL_MS) this.reserved.delete(n);
    }
    const active = activeJobs(cached);
    for (const [n, r] of this.reserved) active.push({ name: n, node: r.node });
    const decision = decideSlot(active, node, this.caps);
    if (decision.ok) this.reserved.set(name, { node, at: now });
    return decision;
  }

  release(name: string): void {
    this.reserved.delete(name);
  }
}
