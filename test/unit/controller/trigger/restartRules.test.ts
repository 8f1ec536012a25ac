import type { V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  cooldownWindow,
  detectOomRestarts,
  optedOut,
  owningWorkload,
  recordRestart,
  restartCountsMoved,
  triggeredDiagnosisName,
} from "../../../../operator/controller/trigger/restartRules.js";

const now = new Date("2026-01-01T12:00:00Z");
const HOUR = 3600_000;

function pod(
  restartCount: number,
  term?: { exitCode: number; reason?: string; finishedAt?: Date },
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

describe("trigger rules", () => {
  it("a rise in restarts with exit 137 / OOMKilled is a restart; the same count again is not", () => {
    const first = detectOomRestarts(pod(0), undefined, now, HOUR);
    expect(first.restarts).to.deep.equal([]);
    const oom = detectOomRestarts(
      pod(1, { exitCode: 137, reason: "OOMKilled" }),
      first.seen,
      now,
      HOUR,
    );
    expect(oom.restarts).to.deep.equal([
      { container: "app", exitCode: 137, reason: "OOMKilled", restartCount: 1, delta: 1, at: now },
    ]);
    expect(
      detectOomRestarts(pod(1, { exitCode: 137, reason: "OOMKilled" }), oom.seen, now, HOUR)
        .restarts,
    ).to.deep.equal([]);
    const jump = detectOomRestarts(pod(4, { exitCode: 137 }), oom.seen, now, HOUR);
    expect(jump.restarts[0]).to.include({ delta: 3, restartCount: 4 });
  });

  it("exit 1 is not an OOM kill; OOMKilled with another code is", () => {
    expect(
      detectOomRestarts(
        pod(2, { exitCode: 1, reason: "Error" }),
        { uid: "u1", counts: { app: 1 } },
        now,
        HOUR,
      ).restarts,
    ).to.have.length(0);
    expect(
      detectOomRestarts(
        pod(2, { exitCode: 0, reason: "OOMKilled" }),
        { uid: "u1", counts: { app: 1 } },
        now,
        HOUR,
      ).restarts,
    ).to.have.length(1);
  });

  it("first sight: a recent OOM counts (never lose the first), an old one does not", () => {
    const recent = detectOomRestarts(
      pod(5, { exitCode: 137, reason: "OOMKilled", finishedAt: new Date(now.getTime() - 60_000) }),
      undefined,
      now,
      HOUR,
    );
    expect(recent.restarts).to.have.length(1);
    expect(recent.restarts[0]!.delta).to.equal(1);
    const old = detectOomRestarts(
      pod(5, {
        exitCode: 137,
        reason: "OOMKilled",
        finishedAt: new Date(now.getTime() - 2 * HOUR),
      }),
      undefined,
      now,
      HOUR,
    );
    expect(old.restarts).to.have.length(0);
    expect(old.seen.counts).to.deep.equal({ app: 5 });
  });

  it("a recreated pod (new UID) starts over", () => {
    const r = detectOomRestarts(
      pod(1, { exitCode: 137 }, "u2"),
      { uid: "u1", counts: { app: 9 } },
      now,
      HOUR,
    );
    expect(r.restarts).to.have.length(1);
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

  it("records later restarts once each, bounded, counting every one", () => {
    const r = (n: number) => ({
      container: "app",
      exitCode: 137,
      reason: "OOMKilled",
      restartCount: n,
      delta: 1,
      at: now,
    });
    const target = { pod: "web-1", container: "app" };
    const w = { kind: "Deployment", name: "web" };
    let t = recordRestart(undefined, target, "web-1", w, r(1), now)!;
    expect(t).to.deep.include({
      source: "PodRestart",
      restartCount: 1,
      restartsObserved: 1,
      workload: "web",
    });
    expect(recordRestart(t, target, "web-1", w, r(1), now)).to.equal(
      undefined,
      "its own restart again",
    );
    for (let i = 1; i <= 60; i++) t = recordRestart(t, target, "web-2", w, r(i), now)!;
    expect(t.restarts).to.have.length(50);
    expect(t.restarts![49]!.restartCount).to.equal(60);
    expect(t.restartsObserved).to.equal(61);
    expect(recordRestart(t, target, "web-2", w, r(60), now)).to.equal(
      undefined,
      "a listed restart again",
    );
  });

  it("a sibling's restart recorded before the creator wrote the trigger loses neither", () => {
    const r = {
      container: "app",
      exitCode: 137,
      reason: "OOMKilled",
      restartCount: 1,
      delta: 1,
      at: now,
    };
    const target = { pod: "web-1", container: "app" };
    const w = { kind: "Deployment", name: "web" };
    const sibling = recordRestart(undefined, target, "web-2", w, r, now)!;
    expect(sibling.restartCount).to.equal(undefined);
    expect(sibling.restarts?.map((x) => x.pod)).to.deep.equal(["web-2"]);
    const both = recordRestart(sibling, target, "web-1", w, r, now)!;
    expect(both).to.deep.include({
      restartCount: 1,
      exitCode: 137,
      reason: "OOMKilled",
      restartsObserved: 2,
    });
    expect(recordRestart(both, target, "web-1", w, r, now)).to.equal(undefined);
    expect(recordRestart(both, target, "web-2", w, r, now)).to.equal(undefined);
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
