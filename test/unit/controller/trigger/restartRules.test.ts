import type { V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import type { Diagnosis, RecordedRestart } from "../../../../operator/api/v1alpha1/diagnosis.js";
import {
  cooldownWindow,
  MAX_RECORDED_RESTARTS,
  newRestarts,
  type OomTermination,
  oomTerminations,
  optedOut,
  owningWorkload,
  recordedRestart,
  recordRestart,
  restartCountsMoved,
  restartRecord,
  triggeredDiagnosisName,
} from "../../../../operator/controller/trigger/restartRules.js";

const now = new Date("2026-01-01T12:00:00Z");
const HOUR = 3600_000;

function pod(
  restartCount: number,
  term?: { exitCode: number; reason?: string; finishedAt?: Date; startedAt?: Date },
  uid = "u1",
): V1Pod {
  return {
    metadata: {
      name: "web-7d9f8b6c5d-x2x4k",
      namespace: "shop",
      uid,
      labels: { "pod-template-hash": "7d9f8b6c5d" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-7d9f8b6c5d",
          uid: "rs",
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: "app" }] },
    status: {
      containerStatuses: [
        {
          name: "app",
          image: "",
          imageID: "",
          ready: true,
          restartCount,
          lastState: term ? { terminated: { finishedAt: now, ...term } } : {},
        },
      ],
    },
  };
}

const ago = (ms: number): Date => new Date(now.getTime() - ms);
const cutoff = ago(HOUR);

function kill(restartCount: number, finishedAt: Date, startedAt?: Date): OomTermination {
  const t: OomTermination = {
    container: "app",
    exitCode: 137,
    reason: "OOMKilled",
    restartCount,
    finishedAt,
  };
  if (startedAt) t.startedAt = startedAt;
  return t;
}

function entry(p: string, restartCount: number, at: Date, podUID = "u1"): RecordedRestart {
  return {
    pod: p,
    podUID,
    container: "app",
    exitCode: 137,
    restartCount,
    finishedAt: at.toISOString(),
    observedAt: at.toISOString(),
  };
}

function diagnosis(status: Diagnosis["status"], target = "web-1"): Diagnosis {
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: {
      name: "web-oom-1",
      namespace: "shop",
      creationTimestamp: ago(HOUR / 2).toISOString(),
    },
    spec: { target: { pod: target, container: "app" } },
    status,
  };
}

describe("trigger rules", () => {
  it("OOM kills: exit 137 or OOMKilled as the last termination, after at least one restart", () => {
    const t0 = ago(5000);
    expect(
      oomTerminations(pod(1, { exitCode: 137, reason: "OOMKilled", startedAt: t0 })),
    ).to.deep.equal([
      {
        container: "app",
        exitCode: 137,
        reason: "OOMKilled",
        restartCount: 1,
        finishedAt: now,
        startedAt: t0,
      },
    ]);
    expect(oomTerminations(pod(2, { exitCode: 0, reason: "OOMKilled" }))).to.have.length(1);
    expect(oomTerminations(pod(2, { exitCode: 1, reason: "Error" }))).to.deep.equal([]);
    expect(oomTerminations(pod(0))).to.deep.equal([]);
  });

  it("new restarts are those above the highest recorded count (a recent record: all of them)", () => {
    const recorded = { restartCount: 3, at: ago(60_000) };
    expect(newRestarts(kill(3, now), recorded, ago(10 * HOUR), cutoff)).to.equal(0);
    expect(newRestarts(kill(2, now), recorded, ago(10 * HOUR), cutoff)).to.equal(0);
    expect(newRestarts(kill(4, now), recorded, ago(10 * HOUR), cutoff)).to.equal(1);
    // Three restarts while nobody looked (operator down, leader change, missed events).
    expect(newRestarts(kill(6, now), recorded, ago(10 * HOUR), cutoff)).to.equal(3);
  });

  it("a pod created within the window: every restart above the record is new", () => {
    expect(newRestarts(kill(2, now), undefined, ago(30_000), cutoff)).to.equal(2);
    expect(
      newRestarts(kill(5, now), { restartCount: 1, at: ago(2 * HOUR) }, ago(30_000), cutoff),
    ).to.equal(4);
  });

  it("an old pod with no record: the last restart, and the one before when it is dated in the window", () => {
    const old = ago(30 * 24 * HOUR);
    expect(newRestarts(kill(7, now, ago(2 * HOUR)), undefined, old, cutoff)).to.equal(1);
    expect(newRestarts(kill(7, now, ago(60_000)), undefined, old, cutoff)).to.equal(2);
    expect(newRestarts(kill(1, now, ago(60_000)), undefined, old, cutoff)).to.equal(1);
    // Last week's record does not make last week's restarts new either.
    expect(
      newRestarts(
        kill(9, now, ago(2 * HOUR)),
        { restartCount: 2, at: ago(7 * 24 * HOUR) },
        old,
        cutoff,
      ),
    ).to.equal(1);
  });

  it("a last termination older than the window is never new (an old OOM kill, or away too long)", () => {
    expect(newRestarts(kill(5, ago(2 * HOUR)), undefined, ago(30_000), cutoff)).to.equal(0);
    expect(
      newRestarts(
        kill(5, ago(2 * HOUR)),
        { restartCount: 1, at: ago(3 * HOUR) },
        undefined,
        cutoff,
      ),
    ).to.equal(0);
  });

  it("what a deleted (expired) Diagnosis had counted is not counted again", () => {
    // It counted restarts up to its window's end; it is deleted no sooner than two windows after
    // its creation, so by then they are all older than the freshness window.
    const cooldown = HOUR;
    const created = ago(2 * cooldown + 1000);
    const windowEnd = new Date(created.getTime() + cooldown);
    const lastCounted = kill(3, windowEnd, new Date(windowEnd.getTime() - 1000));
    expect(newRestarts(lastCounted, undefined, ago(30 * 24 * HOUR), cutoff)).to.equal(0);
    // A restart after it is counted, alone (its predecessor was the counted one).
    const next = kill(4, ago(1000), windowEnd);
    expect(newRestarts(next, undefined, ago(30 * 24 * HOUR), cutoff)).to.equal(1);
  });

  it("recorded: the highest count on any Diagnosis of the workload or not written yet, by pod UID", () => {
    const ref = { name: "web-2", uid: "u1" };
    const d1 = diagnosis({
      trigger: { source: "PodRestart", restarts: [entry("web-2", 2, ago(9000))] },
    });
    const d2 = diagnosis({
      trigger: {
        source: "PodRestart",
        restarts: [entry("web-2", 4, ago(5000)), entry("web-3", 9, ago(1000))],
      },
    });
    expect(recordedRestart([d1, d2], [], ref, "app")).to.deep.equal({
      restartCount: 4,
      at: ago(5000),
    });
    expect(recordedRestart([d1], [entry("web-2", 5, ago(100))], ref, "app")?.restartCount).to.equal(
      5,
    );
    // The same name, recreated (another UID): nothing recorded for it.
    expect(recordedRestart([d1, d2], [], { name: "web-2", uid: "u2" }, "app")).to.equal(undefined);
    expect(recordedRestart([d1, d2], [], ref, "sidecar")).to.equal(undefined);
  });

  it("a Diagnosis written before the list held its own restart counts by its trigger fields", () => {
    const legacy = diagnosis({
      trigger: { source: "PodRestart", restartCount: 3, restartsObserved: 1 },
    });
    expect(
      recordedRestart([legacy], [], { name: "web-1", uid: "u9" }, "app")?.restartCount,
    ).to.equal(3);
    const listed = diagnosis({
      trigger: {
        source: "PodRestart",
        restartCount: 3,
        restarts: [entry("web-1", 1, ago(100), "u9")],
      },
    });
    expect(
      recordedRestart([listed], [], { name: "web-1", uid: "u9" }, "app")?.restartCount,
    ).to.equal(1);
  });

  it("recording: the first restart names the trigger; one entry per container, moved up in place", () => {
    const target = { pod: "web-1", container: "app" };
    const rec = (p: string, n: number, count = 1) =>
      restartRecord({ name: p, uid: "u1" }, kill(n, now), count, now);
    let t = recordRestart(undefined, target, "web", rec("web-1", 1))!;
    expect(t).to.deep.include({
      source: "PodRestart",
      exitCode: 137,
      reason: "OOMKilled",
      restartCount: 1,
      workload: "web",
      restartsObserved: 1,
    });
    expect(t.restarts?.map((e) => [e.pod, e.restartCount])).to.deep.equal([["web-1", 1]]);
    t = recordRestart(t, target, "web", rec("web-2", 1))!;
    t = recordRestart(t, target, "web", rec("web-1", 3, 2))!;
    expect(t.restarts?.map((e) => [e.pod, e.restartCount])).to.deep.equal([
      ["web-1", 3],
      ["web-2", 1],
    ]);
    expect(t.restartsObserved).to.equal(4);
    expect(t.restartCount).to.equal(1, "the trigger's own fields stay the first restart's");
    expect(recordRestart(t, target, "web", rec("web-1", 3)), "the same restart again").to.equal(
      undefined,
    );
    expect(recordRestart(t, target, "web", rec("web-2", 1)), "an older view of it").to.equal(
      undefined,
    );
  });

  it("recording counts at most what the stored entry leaves (the record came from an older view)", () => {
    const target = { pod: "web-1", container: "app" };
    const t = recordRestart(
      undefined,
      target,
      "web",
      restartRecord({ name: "web-1", uid: "u1" }, kill(4, now), 4, now),
    )!;
    // Computed as 4 new restarts from a view where 0 were recorded, 4 already are: 2 remain.
    const next = recordRestart(
      t,
      target,
      "web",
      restartRecord({ name: "web-1", uid: "u1" }, kill(6, now), 6, now),
    )!;
    expect(next.restartsObserved).to.equal(6);
  });

  it("a sibling's restart recorded before the creator's loses neither", () => {
    const target = { pod: "web-1", container: "app" };
    const sibling = recordRestart(
      undefined,
      target,
      "web",
      restartRecord({ name: "web-2", uid: "u2" }, kill(1, now), 1, now),
    )!;
    expect(sibling.restartCount).to.equal(undefined);
    const both = recordRestart(
      sibling,
      target,
      "web",
      restartRecord({ name: "web-1", uid: "u1" }, kill(1, now), 1, now),
    )!;
    expect(both).to.deep.include({ restartCount: 1, exitCode: 137, restartsObserved: 2 });
  });

  it("a full list still counts a new container's restart, without an entry", () => {
    const target = { pod: "web-0", container: "app" };
    let t: ReturnType<typeof recordRestart>;
    for (let i = 0; i < MAX_RECORDED_RESTARTS + 5; i++)
      t = recordRestart(
        t,
        target,
        "web",
        restartRecord({ name: `web-${i}`, uid: `u${i}` }, kill(1, now), 1, now),
      );
    expect(t!.restarts).to.have.length(MAX_RECORDED_RESTARTS);
    expect(t!.restartsObserved).to.equal(MAX_RECORDED_RESTARTS + 5);
  });

  it("resolves the workload from owner references without a GET", () => {
    expect(owningWorkload(pod(0))).to.deep.equal({ kind: "Deployment", name: "web" });
    const sts = pod(0);
    sts.metadata!.ownerReferences = [
      { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "s", controller: true },
    ];
    expect(owningWorkload(sts)).to.deep.equal({ kind: "StatefulSet", name: "db" });
    const bare = pod(0);
    bare.metadata!.ownerReferences = undefined;
    expect(owningWorkload(bare)).to.deep.equal({ kind: "Pod", name: "web-7d9f8b6c5d-x2x4k" });
  });

  it("names one Diagnosis per workload per cooldown window", () => {
    const w = cooldownWindow(now, 600);
    expect(w).to.equal(Math.floor(now.getTime() / 600_000));
    expect(cooldownWindow(new Date(now.getTime() + 599_000), 600)).to.equal(w);
    expect(triggeredDiagnosisName("web", w)).to.equal(`web-oom-${w}`);
    const long = triggeredDiagnosisName(`${"a".repeat(240)}.b`, w);
    expect(long.length).to.be.at.most(253);
    expect(long).to.match(/^a+-oom-\d+$/);
  });

  it("opt-out annotation", () => {
    const p = pod(0);
    expect(optedOut(p)).to.equal(false);
    p.metadata!.annotations = { "diagnose.dev/auto": "false" };
    expect(optedOut(p)).to.equal(true);
  });
});

describe("restartCountsMoved (the Pod watch's filter)", () => {
  const a = (restartCount?: number) => ({ name: "a", restartCount });
  const b = (restartCount: number) => ({ name: "b", restartCount });

  it("same counts, in any order: not moved", () => {
    expect(restartCountsMoved([a(1), b(2)], [a(1), b(2)])).to.equal(false);
    expect(restartCountsMoved([b(2), a(1)], [a(1), b(2)])).to.equal(false);
  });

  it("a count that rose, also when the order differs: moved", () => {
    expect(restartCountsMoved([a(1), b(2)], [a(1), b(3)])).to.equal(true);
    expect(restartCountsMoved([b(2), a(1)], [a(2), b(2)])).to.equal(true);
  });

  it("a container without an earlier status counts from 0", () => {
    expect(restartCountsMoved([a(0)], [a(0), b(0)])).to.equal(false);
    expect(restartCountsMoved([a(0)], [a(0), b(1)])).to.equal(true);
    expect(restartCountsMoved([], [a()])).to.equal(false);
  });
});
