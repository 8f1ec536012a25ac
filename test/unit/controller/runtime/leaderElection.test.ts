import { expect } from "chai";
import {
  LeaderElector,
  type LeaderRecord,
  type ResourceLock,
  type VersionedRecord,
} from "../../../../operator/controller/runtime/leaderElection.js";
import { FakeTimers } from "./fakeTimers.js";

/**
 * A Lease in memory with the apiserver's optimistic concurrency: stale writes fail with 409.
 * A write can be made slow (answered after `writeDelayMs` of the fake clock, applied at once, as
 * a write the apiserver committed before its answer reached us).
 */
class MemoryLock implements ResourceLock {
  current: VersionedRecord | undefined;
  private rv = 0;
  conflicts = 0;
  gets = 0;
  updates = 0;
  down = false;
  writeDelayMs = 0;

  constructor(private readonly timers: FakeTimers) {}

  describe(): string {
    return "memory";
  }

  async get(): Promise<VersionedRecord | undefined> {
    this.gets++;
    if (this.down) throw new Error("connection refused");
    return this.current && structuredClone(this.current);
  }

  async create(record: LeaderRecord): Promise<VersionedRecord> {
    if (this.down) throw new Error("connection refused");
    if (this.current) throw Object.assign(new Error("AlreadyExists"), { code: 409 });
    this.current = { record: structuredClone(record), version: String(++this.rv) };
    return this.answer(structuredClone(this.current));
  }

  async update(record: LeaderRecord, version: string): Promise<VersionedRecord> {
    this.updates++;
    if (this.down) throw new Error("connection refused");
    if (this.current?.version !== version) {
      this.conflicts++;
      throw Object.assign(new Error("Conflict"), { code: 409 });
    }
    this.current = { record: structuredClone(record), version: String(++this.rv) };
    return this.answer(structuredClone(this.current));
  }

  private answer(v: VersionedRecord): Promise<VersionedRecord> {
    if (this.writeDelayMs === 0) return Promise.resolve(v);
    return new Promise((resolve) => this.timers.setTimeout(() => resolve(v), this.writeDelayMs));
  }
}

const TIMING = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 50 };
/** The most an elector waits between two attempts: a retry period plus client-go's jitter. */
const MAX_RETRY_MS = TIMING.retryPeriodMs * 2.2;

/** Lets every promise the electors chained settle (the lock answers without I/O). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Moves the fake clock forward in small steps, settling in between, until `cond` holds; returns
 * how much fake time that took. Time is the electors' own (timers and clock), so what is asserted
 * about it holds however slow the machine is.
 */
async function runUntil(
  timers: FakeTimers,
  cond: () => boolean,
  what: string,
  limitMs = 10_000,
): Promise<number> {
  const start = timers.now();
  await settle();
  while (!cond()) {
    if (timers.now() - start > limitMs)
      throw new Error(`${what}: not within ${limitMs} ms of fake time`);
    timers.advance(5);
    await settle();
  }
  return timers.now() - start;
}

describe("LeaderElector", () => {
  const electors: LeaderElector[] = [];
  let timers: FakeTimers;
  let lock: MemoryLock;
  beforeEach(() => {
    timers = new FakeTimers();
    lock = new MemoryLock(timers);
  });
  afterEach(async () => {
    lock.writeDelayMs = 0;
    await Promise.all(electors.splice(0).map((e) => e.stop()));
  });

  /** An elector contending for the lock on the fake clock (stopped after the test). */
  function contender(
    identity: string,
    log: string[],
    timing: typeof TIMING = TIMING,
  ): LeaderElector {
    const e = new LeaderElector({
      lock,
      identity,
      ...timing,
      timers,
      callbacks: {
        onStartedLeading: () => log.push(`${identity} started`),
        onStoppedLeading: (reason) => log.push(`${identity} stopped ${reason}`),
      },
    });
    electors.push(e);
    void e.start();
    return e;
  }

  /** A contender that already leads. */
  async function leader(identity: string, log: string[]) {
    const e = contender(identity, log);
    await runUntil(timers, () => e.isLeader(), `${identity} leads`);
    return e;
  }

  it("stop() during a renewal still in flight waits for it, then releases the Lease", async () => {
    const log: string[] = [];
    const a = await leader("a", log);
    // The next renewal is committed at once but answered only after 200 ms of the fake clock.
    lock.writeDelayMs = 200;
    const updates = lock.updates;
    await runUntil(timers, () => lock.updates > updates, "a renewal sent");
    const stopped = a.stop();
    await runUntil(timers, () => log.includes("a stopped released"), "a released");
    await stopped;
    // Released over the renewal's version: a standby can take it at once, not a lease later.
    expect(lock.current?.record.holderIdentity).to.equal("");
    expect(lock.conflicts).to.equal(0);
  });

  it("a leader renews with one update per retry period, no read, until someone else writes", async () => {
    const log: string[] = [];
    await leader("a", log);
    const gets = lock.gets;
    const updates = lock.updates;
    // Six retry periods of the fake clock: each renewal is one update, no read.
    for (let i = 0; i < 6; i++) {
      timers.advance(TIMING.retryPeriodMs);
      await settle();
    }
    expect(lock.updates - updates).to.be.at.least(5);
    expect(lock.gets - gets).to.equal(0);
    // Someone else's write (an admin edit): the optimistic update conflicts, the leader reads it.
    lock.current = { ...lock.current!, version: "999" };
    await runUntil(timers, () => lock.gets > gets, "a read after the conflict");
    await runUntil(
      timers,
      () => lock.current?.version !== "999",
      "a renewal over the edited lease",
    );
    expect(lock.current?.record.holderIdentity).to.equal("a");
  });

  it("of two contenders exactly one leads, and keeps leading while it renews", async () => {
    const log: string[] = [];
    const a = contender("a", log);
    const b = contender("b", log);
    await runUntil(timers, () => a.isLeader() || b.isLeader(), "a leader");
    // Many lease durations: never both, never a hand-over.
    for (let i = 0; i < 100; i++) {
      timers.advance(50);
      await settle();
      expect([a.isLeader(), b.isLeader()].filter(Boolean)).to.have.length(1);
    }
    expect(log).to.have.length(1);
    expect(lock.current?.record.leaseTransitions).to.equal(0);
  });

  it("a released lease is taken over on the next retry, without waiting out the lease", async () => {
    const log: string[] = [];
    const a = await leader("a", log);
    const b = contender("b", log);
    timers.advance(150);
    await settle();
    expect(b.isLeader()).to.equal(false);
    await a.stop();
    expect(lock.current?.record.holderIdentity).to.equal("");
    const waited = await runUntil(timers, () => b.isLeader(), "b takes over");
    expect(waited).to.be.at.most(MAX_RETRY_MS + 5);
    expect(log).to.deep.equal(["a started", "a stopped released", "b started"]);
  });

  it("a leader that dies without releasing is replaced only after the lease duration", async () => {
    const log: string[] = [];
    // "dead" holds the lease and never renews.
    await lock.create({
      holderIdentity: "dead",
      leaseDurationSeconds: 1,
      acquireTime: new Date(0),
      renewTime: new Date(0),
      leaseTransitions: 0,
    });
    const b = contender("b", log);
    const waited = await runUntil(timers, () => b.isLeader(), "b takes over");
    expect(waited).to.be.at.least(1000);
    expect(waited).to.be.at.most(1000 + MAX_RETRY_MS + 5);
    expect(lock.current?.record.leaseTransitions).to.equal(1);
  });

  it("a leader that cannot renew within the renew deadline stops leading before its lease expires", async () => {
    const log: string[] = [];
    const a = await leader("a", log);
    const lastRenewal = lock.current!.record.renewTime.getTime();
    lock.down = true;
    await runUntil(timers, () => !a.isLeader(), "a gives up");
    const heldFor = timers.now() - lastRenewal;
    expect(heldFor).to.be.at.least(TIMING.renewDeadlineMs);
    // Others may take over leaseDuration after they saw the last renewal: a must be gone by then.
    expect(heldFor).to.be.below(TIMING.leaseDurationMs);
    expect(log).to.deep.equal(["a started", "a stopped lost"]);
  });

  it("a slow acquisition (answered after more than a retry period) leads as soon as it is answered", async () => {
    const log: string[] = [];
    lock.writeDelayMs = 3 * TIMING.retryPeriodMs;
    const a = contender("a", log);
    await runUntil(timers, () => lock.current?.record.holderIdentity === "a", "the Lease names a");
    // The write is applied; its answer is still on the way.
    expect(a.isLeader()).to.equal(false);
    timers.advance(lock.writeDelayMs);
    await settle();
    expect(a.isLeader()).to.equal(true);
    expect(log).to.deep.equal(["a started"]);
  });

  it("rejects timings client-go rejects", () => {
    const cb = { onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(
      () =>
        new LeaderElector({
          lock,
          identity: "x",
          leaseDurationMs: 10,
          renewDeadlineMs: 10,
          retryPeriodMs: 1,
          callbacks: cb,
        }),
    ).to.throw();
    expect(
      () =>
        new LeaderElector({
          lock,
          identity: "x",
          leaseDurationMs: 20,
          renewDeadlineMs: 10,
          retryPeriodMs: 9,
          callbacks: cb,
        }),
    ).to.throw();
  });
});
