import { expect } from "chai";
import {
  LeaderElector,
  type LeaderRecord,
  type ResourceLock,
  type VersionedRecord,
} from "../../../../operator/controller/runtime/leaderElection.js";
import { waitFor } from "./fakeListWatch.js";

/** A Lease in memory with the apiserver's optimistic concurrency: stale writes fail with 409. */
class MemoryLock implements ResourceLock {
  current: VersionedRecord | undefined;
  private rv = 0;
  conflicts = 0;
  gets = 0;
  updates = 0;
  down = false;

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
    return structuredClone(this.current);
  }

  async update(record: LeaderRecord, version: string): Promise<VersionedRecord> {
    this.updates++;
    if (this.down) throw new Error("connection refused");
    if (this.current?.version !== version) {
      this.conflicts++;
      throw Object.assign(new Error("Conflict"), { code: 409 });
    }
    this.current = { record: structuredClone(record), version: String(++this.rv) };
    return structuredClone(this.current);
  }
}

const TIMING = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 50 };

function elector(lock: ResourceLock, identity: string, log: string[]) {
  return new LeaderElector({
    lock,
    identity,
    ...TIMING,
    callbacks: {
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: (reason) => log.push(`${identity} stopped ${reason}`),
    },
  });
}

describe("LeaderElector", () => {
  const electors: LeaderElector[] = [];
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
  });

  /** An elector contending for lock (stopped after the test). */
  function contender(lock: ResourceLock, identity: string, log: string[]): LeaderElector {
    const e = elector(lock, identity, log);
    electors.push(e);
    void e.start();
    return e;
  }

  /** A contender that already leads. */
  async function leader(lock: ResourceLock, identity: string, log: string[]) {
    const e = contender(lock, identity, log);
    await waitFor(() => e.isLeader(), `${identity} leads`);
    return e;
  }

  it("a leader renews with one update per retry period, no read, until someone else writes", async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    await leader(lock, "a", log);
    const gets = lock.gets;
    const updates = lock.updates;
    await new Promise((r) => setTimeout(r, 300));
    expect(lock.updates - updates).to.be.at.least(3);
    expect(lock.gets - gets).to.equal(0);
    // Someone else's write (an admin edit): the optimistic update conflicts, the leader reads it.
    lock.current = { ...lock.current!, version: "999" };
    await waitFor(() => lock.gets > gets, "a read after the conflict");
    expect(lock.current.record.holderIdentity).to.equal("a");
  });

  it("of two contenders exactly one leads, and keeps leading while it renews", async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    const a = contender(lock, "a", log);
    const b = contender(lock, "b", log);
    await waitFor(() => a.isLeader() || b.isLeader(), "a leader");
    await new Promise((r) => setTimeout(r, 1500));
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).to.have.length(1);
    expect(log).to.have.length(1);
    expect(lock.current?.record.leaseTransitions).to.equal(0);
  });

  it("a released lease is taken over within a couple of retry periods", async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    const a = await leader(lock, "a", log);
    const b = contender(lock, "b", log);
    await new Promise((r) => setTimeout(r, 150));
    expect(b.isLeader()).to.equal(false);
    const t0 = Date.now();
    await a.stop();
    expect(lock.current?.record.holderIdentity).to.equal("");
    await waitFor(() => b.isLeader(), "b takes over", 2000);
    expect(Date.now() - t0).to.be.below(TIMING.leaseDurationMs);
    expect(log).to.deep.equal(["a started", "a stopped released", "b started"]);
  });

  it("a leader that dies without releasing is replaced only after the lease duration", async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    // "dead" holds the lease and never renews.
    await lock.create({
      holderIdentity: "dead",
      leaseDurationSeconds: 1,
      acquireTime: new Date(),
      renewTime: new Date(),
      leaseTransitions: 0,
    });
    const t0 = Date.now();
    const b = contender(lock, "b", log);
    await waitFor(() => b.isLeader(), "b takes over", 3000);
    const waited = Date.now() - t0;
    expect(waited).to.be.at.least(1000);
    expect(waited).to.be.below(1600);
    expect(lock.current?.record.leaseTransitions).to.equal(1);
  });

  it("a leader that cannot renew within the renew deadline stops leading", async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    const a = await leader(lock, "a", log);
    lock.down = true;
    const t0 = Date.now();
    await waitFor(() => !a.isLeader(), "a gives up", 2000);
    const waited = Date.now() - t0;
    expect(waited).to.be.at.least(TIMING.renewDeadlineMs - 60);
    expect(waited).to.be.below(TIMING.leaseDurationMs + 100);
    expect(log).to.deep.equal(["a started", "a stopped lost"]);
  });

  it("rejects timings client-go rejects", () => {
    const lock = new MemoryLock();
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
