import { expect } from "chai";
import {
  cacheHealth,
  leaderProblem,
  staleAfterMs,
} from "../../../../operator/controller/runtime/cacheHealth.js";

const bounds = { startedAt: 0, syncTimeoutMs: 120_000, staleAfterMs: staleAfterMs(45_000, 30_000) };

describe("cache health (leading means working)", () => {
  it("a cache may be silent for two idle deadlines plus the backoff cap", () => {
    expect(staleAfterMs(45_000, 30_000)).to.equal(120_000);
  });

  it("healthy: every cache synced and heard from recently", () => {
    const caches = [
      { name: "pods", synced: true, lastActivityAt: 190_000 },
      { name: "jobs", synced: true, lastActivityAt: 100_000 },
    ];
    const h = cacheHealth(caches, 200_000, bounds);
    expect(h.healthy).to.equal(true);
    expect(h.detail).to.deep.equal([
      "informer pods: synced, last event 10.0s ago",
      "informer jobs: synced, last event 100.0s ago",
    ]);
    expect(leaderProblem(caches, 200_000, bounds)).to.equal(undefined);
  });

  it("a leader still starting (caches not synced within the timeout yet) is left alone, but not ready", () => {
    const caches = [{ name: "pods", synced: false, lastActivityAt: 0 }];
    expect(leaderProblem(caches, 60_000, bounds)).to.equal(undefined);
    const h = cacheHealth(caches, 60_000, bounds);
    expect(h.healthy).to.equal(false);
    expect(h.problems).to.deep.equal(["informer pods not synced yet"]);
  });

  it("a leader whose caches did not sync within the timeout gives up, naming them", () => {
    const caches = [
      { name: "diagnoses", synced: true, lastActivityAt: 120_000 },
      { name: "pods", synced: false, lastActivityAt: 0 },
    ];
    expect(leaderProblem(caches, 121_000, bounds)).to.equal("caches not synced within 120s: pods");
  });

  it("a leader with a stale watch gives up; the same cache makes the replica not ready", () => {
    const caches = [
      { name: "pods", synced: true, lastActivityAt: 300_000 },
      { name: "jobs", synced: true, lastActivityAt: 179_000 },
    ];
    expect(leaderProblem(caches, 300_000, bounds)).to.equal(
      "watches stale (nothing from the apiserver for more than 120s): jobs 121s",
    );
    const h = cacheHealth(caches, 300_000, bounds);
    expect(h.healthy).to.equal(false);
    expect(h.detail[1]).to.equal("informer jobs: stale (no event, bookmark or list for 121.0s)");
  });
});
