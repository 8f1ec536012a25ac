/**
 * Whether the caches can be trusted, pure over their state and the time: readiness, the
 * liveness of a leader, and the last-event-age gauge all read it. "Leading means working": a
 * leader whose caches never synced, or whose informers have heard nothing from the apiserver for
 * longer than a healthy watch ever stays silent, reconciles nothing (or acts on a stale world)
 * while its Lease keeps a standby from taking over; such a leader gives up.
 */
import type { CacheState } from "./sharedInformers.js";

export interface CacheHealthBounds {
  /** When the caches started (same clock as lastActivityAt). */
  startedAt: number;
  /** All caches synced by startedAt + this, or the caches are failing. */
  syncTimeoutMs: number;
  /** An informer silent longer than this is stale (see staleAfterMs). */
  staleAfterMs: number;
}

/**
 * How long an informer may hear nothing before it counts as stale: a healthy watch speaks
 * within its idle deadline (bookmarks), a dead one is restarted after that deadline, and the
 * restart waits at most the backoff cap. Twice the idle deadline plus the cap covers one failed
 * restart on top.
 */
export function staleAfterMs(watchIdleTimeoutMs: number, backoffMaxMs: number): number {
  return 2 * watchIdleTimeoutMs + backoffMaxMs;
}

export interface CacheHealth {
  /** Every cache synced and none stale. */
  healthy: boolean;
  /** Why not, for logs and /readyz; empty when healthy. */
  problems: string[];
  /** One line per cache, for /readyz. */
  detail: string[];
}

export function cacheHealth(
  caches: readonly CacheState[],
  now: number,
  b: CacheHealthBounds,
): CacheHealth {
  const problems: string[] = [];
  const detail: string[] = [];
  const syncOverdue = now - b.startedAt > b.syncTimeoutMs;
  for (const c of caches) {
    const age = Math.max(0, now - c.lastActivityAt);
    const ageText = `${(age / 1000).toFixed(1)}s`;
    if (!c.synced) {
      detail.push(`informer ${c.name}: not synced (last sign of life ${ageText} ago)`);
      problems.push(
        syncOverdue
          ? `informer ${c.name} not synced within ${b.syncTimeoutMs / 1000}s`
          : `informer ${c.name} not synced yet`,
      );
    } else if (age > b.staleAfterMs) {
      detail.push(`informer ${c.name}: stale (no event, bookmark or list for ${ageText})`);
      problems.push(`informer ${c.name} stale: nothing from the apiserver for ${ageText}`);
    } else {
      detail.push(`informer ${c.name}: synced, last event ${ageText} ago`);
    }
  }
  return { healthy: problems.length === 0, problems, detail };
}

/**
 * Why a leader must give up, or undefined: a cache not synced past the sync timeout, or a stale
 * one. A cache still within its sync timeout is not a reason (the leader is starting).
 */
export function leaderProblem(
  caches: readonly CacheState[],
  now: number,
  b: CacheHealthBounds,
): string | undefined {
  const syncOverdue = now - b.startedAt > b.syncTimeoutMs;
  const unsynced = caches.filter((c) => !c.synced).map((c) => c.name);
  if (unsynced.length > 0)
    return syncOverdue
      ? `caches not synced within ${b.syncTimeoutMs / 1000}s: ${unsynced.join(", ")}`
      : undefined;
  const stale = caches.filter((c) => now - c.lastActivityAt > b.staleAfterMs);
  if (stale.length === 0) return undefined;
  return `watches stale (nothing from the apiserver for more than ${b.staleAfterMs / 1000}s): ${stale
    .map((c) => `${c.name} ${((now - c.lastActivityAt) / 1000).toFixed(0)}s`)
    .join(", ")}`;
}
