/**
 * Leader election over a Lease, with client-go's semantics (leaderelection.LeaderElector):
 * - a lease held by someone else is only taken once it has not changed for leaseDuration,
 *   measured on OUR clock from when we last saw it change (no cross-node clock comparison);
 * - every write carries the resourceVersion read, so of two contenders only one update wins
 *   (the other gets 409 Conflict);
 * - the leader renews every retryPeriod and gives up if no renewal succeeded for renewDeadline
 *   (< leaseDuration, so it stops acting before anyone else may take over);
 * - release on shutdown empties holderIdentity with leaseDurationSeconds=1 so a standby
 *   replica takes over on its next retry instead of waiting out the lease.
 */

import { apiStatusCode } from "./apiStatusCode.js";
import type { Clock } from "./contracts.js";
import type { Logger } from "./logger.js";
import { sleep, systemTimers, type Timers } from "./timers.js";

export interface LeaderRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: Date;
  renewTime: Date;
  leaseTransitions: number;
}

export interface VersionedRecord {
  record: LeaderRecord;
  /** resourceVersion of the Lease; writes are conditional on it. */
  version: string;
}

/** Storage of the leader record; LeaseLock in leaseLock.ts implements it over the API. */
export interface ResourceLock {
  /** The current record, or undefined when the Lease does not exist. */
  get(): Promise<VersionedRecord | undefined>;
  /** Create the Lease; throws if it already exists. */
  create(record: LeaderRecord): Promise<VersionedRecord>;
  /** Replace the record if the Lease still has `version`; throws on conflict. */
  update(record: LeaderRecord, version: string): Promise<VersionedRecord>;
  describe(): string;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Leadership lost (renewal failed) or released by stop(). */
  onStoppedLeading(reason: "lost" | "released"): void;
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  lock: ResourceLock;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  callbacks: LeaderCallbacks;
  logger?: Logger;
  clock?: Clock;
  timers?: Timers;
}

const JITTER_FACTOR = 1.2;

export class LeaderElector {
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private observed: VersionedRecord | undefined;
  private observedAt = 0;
  /** The latest acquire/renew attempt; one abandoned at its timeout may still land. */
  private inflight: Promise<boolean> | undefined;
  private leader = false;
  private running: Promise<void> | undefined;
  private lastReportedLeader: string | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    if (opts.leaseDurationMs <= opts.renewDeadlineMs)
      throw new Error("leaseDuration must exceed renewDeadline");
    if (opts.renewDeadlineMs <= JITTER_FACTOR * opts.retryPeriodMs) {
      throw new Error("renewDeadline must exceed retryPeriod x 1.2");
    }
    this.timers = opts.timers ?? systemTimers;
    this.clock = opts.clock ?? { now: () => new Date(this.timers.now()) };
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Acquire, then renew until leadership is lost or stop() is called. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stop campaigning; a leader releases the Lease. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    // A renewal cut short by the abort may still be on its way: were it to land after the release,
    // the release's update would conflict and the Lease stay ours for a whole lease duration.
    await this.inflight;
    if (this.leader) {
      this.leader = false;
      await this.release();
      this.opts.callbacks.onStoppedLeading("released");
    }
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs, logger } = this.opts;
    logger?.info("leader election: campaigning", {
      lock: this.opts.lock.describe(),
      identity: this.opts.identity,
    });
    while (!this.stopped) {
      // Bounded like a renewal, not by the retry period: an attempt abandoned while its write is
      // still on the way may win the Lease anyway, which then names this replica while it does
      // not lead (until its next attempt), a window that grows with a slow apiserver.
      if (await this.tryAcquireOrRenew(renewDeadlineMs)) break;
      await sleep(
        this.timers,
        retryPeriodMs * (1 + Math.random() * JITTER_FACTOR),
        this.abort.signal,
      );
    }
    if (this.stopped) return;
    this.leader = true;
    logger?.info("leader election: acquired lease", { identity: this.opts.identity });
    this.opts.callbacks.onStartedLeading();

    while (!this.stopped) {
      await sleep(this.timers, retryPeriodMs, this.abort.signal);
      if (this.stopped) return;
      const deadline = this.timers.now() + renewDeadlineMs;
      let renewed = false;
      while (!this.stopped && this.timers.now() < deadline) {
        if (await this.tryAcquireOrRenew(deadline - this.timers.now())) {
          renewed = true;
          break;
        }
        await sleep(
          this.timers,
          Math.min(retryPeriodMs, Math.max(0, deadline - this.timers.now())),
          this.abort.signal,
        );
      }
      if (this.stopped) return;
      if (!renewed) {
        this.leader = false;
        logger?.error("leader election: failed to renew lease within the renew deadline", {
          identity: this.opts.identity,
          renewDeadlineMs,
        });
        this.opts.callbacks.onStoppedLeading("lost");
        return;
      }
    }
  }

  /** One attempt, bounded by timeoutMs; false on any failure. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const attempt = this.attempt().catch((err: unknown) => {
      // 409 is the expected outcome of losing a race; anything else is worth seeing.
      const conflict = apiStatusCode(err) === 409;
      this.opts.logger?.[conflict ? "debug" : "warn"]("leader election attempt failed", {
        error: String(err),
      });
      return false;
    });
    this.inflight = attempt;
    const timeout = sleep(this.timers, Math.max(1, timeoutMs), this.abort.signal).then(() => false);
    return Promise.race([attempt, timeout]);
  }

  private async attempt(): Promise<boolean> {
    const { lock, identity, leaseDurationMs } = this.opts;
    const now = this.clock.now();
    const fresh: LeaderRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    // A leader renews optimistically from the record it wrote last (client-go's fast path): one
    // request instead of a GET and an update; if anyone wrote meanwhile, the update fails with
    // 409 and the slow path below reads the Lease.
    const mine = this.observed;
    if (
      this.leader &&
      mine?.record.holderIdentity === identity &&
      this.observedAt + leaseDurationMs > this.timers.now()
    ) {
      try {
        this.setObserved(
          await lock.update(
            {
              ...fresh,
              acquireTime: mine.record.acquireTime,
              leaseTransitions: mine.record.leaseTransitions,
            },
            mine.version,
          ),
        );
        return true;
      } catch (err) {
        this.opts.logger?.debug("leader election: optimistic renew failed, reading the lease", {
          error: String(err),
        });
      }
    }
    const current = await lock.get();
    if (!current) {
      this.setObserved(await lock.create(fresh));
      return true;
    }
    if (!this.observed || this.observed.version !== current.version) this.setObserved(current);
    const held = current.record.holderIdentity;
    const expiresAt = this.observedAt + current.record.leaseDurationSeconds * 1000;
    if (held !== "" && held !== identity && expiresAt > this.timers.now()) return false;

    const next: LeaderRecord =
      held === identity
        ? {
            ...fresh,
            acquireTime: current.record.acquireTime,
            leaseTransitions: current.record.leaseTransitions,
          }
        : { ...fresh, leaseTransitions: current.record.leaseTransitions + 1 };
    this.setObserved(await lock.update(next, current.version));
    return true;
  }

  private setObserved(v: VersionedRecord): void {
    this.observed = v;
    this.observedAt = this.timers.now();
    const holder = v.record.holderIdentity;
    if (holder !== this.lastReportedLeader) {
      this.lastReportedLeader = holder;
      if (holder !== "") this.opts.callbacks.onNewLeader?.(holder);
    }
  }

  private async release(): Promise<void> {
    const observed = this.observed;
    if (!observed || observed.record.holderIdentity !== this.opts.identity) return;
    const now = this.clock.now();
    try {
      await this.opts.lock.update(
        {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: observed.record.leaseTransitions,
        },
        observed.version,
      );
      this.opts.logger?.info("leader election: released lease", { identity: this.opts.identity });
    } catch (err) {
      // Someone else already holds it, or the API is gone: the lease will expire on its own.
      this.opts.logger?.warn("leader election: release failed", { error: String(err) });
    }
  }
}
