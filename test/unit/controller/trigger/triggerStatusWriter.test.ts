import { expect } from "chai";
import type { Diagnosis } from "../../../../operator/api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../../../../operator/controller/diagnosis/clusterClient.js";
import { ConflictError } from "../../../../operator/controller/runtime/contracts.js";
import { restartRecord } from "../../../../operator/controller/trigger/restartRules.js";
import { triggeredWorkload } from "../../../../operator/controller/trigger/restartTrigger.js";
import {
  DEFAULT_WRITE_TIMINGS,
  type PendingRecord,
  type RecordOutcome,
  TriggerStatusWriter,
  type WriteTimings,
} from "../../../../operator/controller/trigger/triggerStatusWriter.js";
import { FakeTimers } from "../runtime/fakeTimers.js";

const now = new Date("2026-01-01T12:00:00Z");
const WORKLOAD = "shop/Deployment/web";
const TARGET = { namespace: "shop", name: "web-oom-1", uid: "d-1", workloadKey: WORKLOAD };
const TIMINGS = { firstWriteDelayMs: 250, quietMs: 1500, maxDelayMs: 10_000, maxBackoffMs: 8000 };

function record(pod: string, restartCount: number, count = 1): PendingRecord {
  return {
    ...restartRecord(
      { name: pod, uid: `uid-${pod}` },
      { container: "app", exitCode: 137, reason: "OOMKilled", restartCount, finishedAt: now },
      count,
      now,
    ),
    podKey: `shop/${pod}`,
    workload: "web",
    created: false,
  };
}

function diagnosis(): Diagnosis {
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: {
      namespace: "shop",
      name: "web-oom-1",
      uid: "d-1",
      resourceVersion: "1",
      labels: { "diagnose.dev/trigger": "PodRestart" },
      annotations: { "diagnose.dev/workload": "Deployment/web" },
    },
    spec: { target: { pod: "web-a", container: "app" } },
  };
}

/**
 * An API stand-in holding one Diagnosis; every call is logged, each PATCH with the fake time it
 * was sent at (the writes run when the test settles, after advance(): step onto a write's time
 * to see it exactly).
 */
function fakeApi(initial: Diagnosis | undefined, timers: FakeTimers) {
  let stored = initial && structuredClone(initial);
  const calls: string[] = [];
  const patchedAt: number[] = [];
  const failures: unknown[] = [];
  const client = {
    async getDiagnosis() {
      calls.push("GET");
      return stored && structuredClone(stored);
    },
    async patchDiagnosisStatus(
      _ns: string,
      _name: string,
      resourceVersion: string | undefined,
      status: Diagnosis["status"],
    ) {
      calls.push(`PATCH rv=${resourceVersion ?? "none"}`);
      patchedAt.push(timers.now());
      const fail = failures.shift();
      if (fail) throw fail;
      if (!stored) throw Object.assign(new Error("not found"), { code: 404 });
      stored = { ...stored, status: { ...stored.status, ...status } };
      return structuredClone(stored);
    },
  } as unknown as ClusterClient;
  return {
    client,
    calls,
    patchedAt,
    failures,
    stored: () => stored,
    remove: () => {
      stored = undefined;
    },
  };
}

/** Lets the writer's promise chains run (the fake API answers at once). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup(
  initial: Diagnosis | undefined = diagnosis(),
  timings: Partial<WriteTimings> = TIMINGS,
) {
  const timers = new FakeTimers();
  const api = fakeApi(initial, timers);
  const outcomes: Array<[RecordOutcome, string, number]> = [];
  const dropped: string[][] = [];
  const writer = new TriggerStatusWriter({
    client: api.client,
    clock: { now: () => now },
    timers,
    timings,
    workloadKey: triggeredWorkload,
    onOutcome: (o, r, counted) => outcomes.push([o, r.entry.pod, counted]),
    onDropped: (keys) => dropped.push(keys),
  });
  /** Advance the fake clock by ms and let the writes run. */
  const advance = async (ms: number): Promise<void> => {
    timers.advance(ms);
    await settle();
  };
  return { api, timers, writer, outcomes, dropped, advance };
}

describe("TriggerStatusWriter", () => {
  it("writes a Diagnosis' first records after a short delay, together, unguarded", async () => {
    const { api, writer, advance } = setup();
    writer.add(TARGET, record("web-a", 1));
    await advance(100);
    writer.add(TARGET, record("web-b", 1));
    await advance(100);
    expect(api.calls).to.deep.equal([]);
    await advance(50);
    expect(api.calls).to.deep.equal(["GET", "PATCH rv=none"]);
    const t = api.stored()!.status!.trigger!;
    expect(t).to.deep.include({
      restartCount: 1,
      exitCode: 137,
      restartsObserved: 2,
      workload: "web",
    });
    expect(t.restarts?.map((e) => e.pod)).to.deep.equal(["web-a", "web-b"]);
  });

  it("coalesces a burst: one write within the quiet period after the workload's last restart", async () => {
    const { api, writer, advance, outcomes } = setup();
    writer.add(TARGET, record("web-a", 1));
    await advance(300);
    expect(api.calls).to.have.length(2);
    // A restart every second for 8 s: none of them written until the burst pauses.
    for (let i = 0; i < 8; i++) {
      writer.add(TARGET, record(`web-${i}`, 2));
      await advance(1000);
    }
    expect(api.calls).to.have.length(2);
    await advance(500);
    expect(api.calls).to.deep.equal(["GET", "PATCH rv=none", "PATCH rv=none"]);
    expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(9);
    expect(outcomes.filter(([o]) => o === "recorded")).to.have.length(9);
  });

  it("writes at least every maxDelay while restarts keep coming", async () => {
    const { api, writer, advance } = setup();
    writer.add(TARGET, record("web-a", 1));
    await advance(300);
    for (let i = 0; i < 25; i++) {
      writer.add(TARGET, record(`web-${i}`, 2));
      await advance(1000);
    }
    // 25 s of restarts: the first write, then one per 10 s.
    expect(api.calls.filter((c) => c.startsWith("PATCH"))).to.have.length(3);
    await advance(2000);
    expect(api.calls.filter((c) => c.startsWith("PATCH"))).to.have.length(4);
    expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(26);
  });

  it("shows records not written yet, then our written copy (the cache may lag)", async () => {
    const { writer, advance } = setup();
    writer.add(TARGET, record("web-a", 3, 3));
    expect(writer.unwrittenFor(WORKLOAD).map((e) => [e.pod, e.restartCount])).to.deep.equal([
      ["web-a", 3],
    ]);
    expect(writer.unwrittenFor("shop/Deployment/other")).to.deep.equal([]);
    await advance(300);
    expect(writer.unwrittenFor(WORKLOAD)).to.deep.equal([]);
    const written = writer.current("shop/web-oom-1", "d-1");
    expect(written?.status?.trigger?.restarts?.[0]?.restartCount).to.equal(3);
    expect(writer.knownFor(WORKLOAD).map((d) => d.metadata.name)).to.deep.equal(["web-oom-1"]);
    expect(writer.current("shop/web-oom-1", "another-uid")).to.equal(undefined);
  });

  it("remembers only what it reads of a Diagnosis: no report, findings or tenant annotations", () => {
    const { writer } = setup();
    const d = diagnosis();
    d.metadata.creationTimestamp = "2026-01-01T11:59:00Z";
    d.metadata.annotations = {
      ...d.metadata.annotations,
      "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(200_000),
    };
    d.status = {
      trigger: { source: "PodRestart", restartsObserved: 1, restarts: [record("web-a", 1).entry] },
      report: { raw: "y".repeat(200_000) } as never,
      findings: [{ check: "memory", severity: "Critical", code: "X", summary: "s" }] as never,
    };
    writer.remember(d);
    const kept = writer.current("shop/web-oom-1", "d-1");
    expect(kept).to.deep.equal({
      metadata: {
        namespace: "shop",
        name: "web-oom-1",
        uid: "d-1",
        creationTimestamp: "2026-01-01T11:59:00Z",
      },
      spec: { target: { pod: "web-a", container: "app" } },
      status: { trigger: d.status.trigger },
    });
    // Its workload is known without its annotations.
    expect(writer.knownFor(WORKLOAD)).to.deep.equal([kept]);
  });

  it("a restart already stored is a duplicate: no write, nothing counted", async () => {
    const d = diagnosis();
    d.status = {
      trigger: {
        source: "PodRestart",
        restartsObserved: 2,
        restarts: [record("web-a", 2).entry],
      },
    };
    const { api, writer, advance, outcomes } = setup(d);
    writer.add(TARGET, record("web-a", 2));
    await advance(300);
    expect(api.calls).to.deep.equal(["GET"]);
    expect(outcomes).to.deep.equal([["duplicate", "web-a", 0]]);
  });

  it("retries a failed write with backoff, reading the Diagnosis again, records kept", async () => {
    const { api, writer, advance } = setup();
    api.failures.push(new Error("connection reset"), new Error("connection reset"));
    writer.add(TARGET, record("web-a", 1));
    await advance(300);
    expect(api.calls).to.deep.equal(["GET", "PATCH rv=none"]);
    expect(writer.unwrittenFor(WORKLOAD)).to.have.length(1);
    await advance(1499);
    expect(api.calls).to.have.length(2);
    await advance(1);
    expect(api.calls).to.have.length(4);
    writer.add(TARGET, record("web-b", 1));
    await advance(2999);
    expect(api.calls).to.have.length(4, "the second backoff is twice the first");
    await advance(1);
    expect(api.calls.slice(4)).to.deep.equal(["GET", "PATCH rv=none"]);
    expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(2);
  });

  it("hands the pods back when their Diagnosis is gone", async () => {
    const { api, writer, advance, dropped } = setup();
    api.remove();
    writer.add(TARGET, record("web-a", 1));
    writer.add(TARGET, record("web-b", 1));
    await advance(300);
    expect(dropped).to.deep.equal([["shop/web-a", "shop/web-b"]]);
    expect(writer.unwrittenFor(WORKLOAD)).to.deep.equal([]);
  });

  it("stop() drops what is not written and keeps nothing", async () => {
    const { api, writer, advance } = setup();
    writer.add(TARGET, record("web-a", 1));
    await advance(300);
    writer.add(TARGET, record("web-b", 1));
    await writer.stop();
    await advance(60_000);
    expect(api.calls.filter((c) => c.startsWith("PATCH"))).to.have.length(1);
    expect(writer.unwrittenFor(WORKLOAD)).to.deep.equal([]);
    expect(writer.knownFor(WORKLOAD)).to.deep.equal([]);
    writer.add(TARGET, record("web-c", 1));
    await advance(300);
    expect(api.calls.filter((c) => c.startsWith("PATCH"))).to.have.length(1);
  });

  describe("claim(): another status write carries the records", () => {
    it("records claimed and written with it: no write of ours, counted once, the next one coalesced", async () => {
      const { api, writer, advance, outcomes } = setup();
      writer.add(TARGET, record("web-a", 1));
      writer.add(TARGET, record("web-b", 1));
      const claimed = writer.claim(diagnosis())!;
      expect(claimed.trigger).to.deep.include({ restartCount: 1, restartsObserved: 2 });
      // The reconciler's guarded write, with its own fields and the trigger.
      claimed.written(
        await api.client.patchDiagnosisStatus("shop", "web-oom-1", "1", {
          phase: "Pending",
          trigger: claimed.trigger,
        }),
      );
      expect(writer.unwrittenFor(WORKLOAD)).to.deep.equal([]);
      expect(outcomes).to.deep.equal([
        ["recorded", "web-a", 1],
        ["recorded", "web-b", 1],
      ]);
      await advance(5000);
      expect(api.calls).to.deep.equal(["PATCH rv=1"]);
      // Written now: a later restart waits for the quiet period, then goes on top of it.
      writer.add(TARGET, record("web-c", 1));
      await advance(TIMINGS.firstWriteDelayMs);
      expect(api.calls).to.have.length(1);
      await advance(TIMINGS.quietMs);
      expect(api.calls).to.deep.equal(["PATCH rv=1", "PATCH rv=none"]);
      expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(3);
      expect(api.stored()!.status!.phase).to.equal("Pending");
    });

    it("while claimed the records count as not written and no write of ours starts; a conflict hands them back", async () => {
      const { api, writer, advance, outcomes } = setup();
      writer.add(TARGET, record("web-a", 1));
      const claimed = writer.claim(diagnosis())!;
      expect(writer.unwrittenFor(WORKLOAD).map((e) => e.pod)).to.deep.equal(["web-a"]);
      expect(writer.claim(diagnosis())).to.equal(undefined);
      await advance(1000);
      expect(api.calls).to.deep.equal([]);
      claimed.release(new ConflictError("status of diagnosis shop/web-oom-1: changed"));
      expect(writer.unwrittenFor(WORKLOAD).map((e) => e.pod)).to.deep.equal(["web-a"]);
      await advance(0);
      expect(api.calls).to.deep.equal([]);
      // Ours then, at the first write's delay, from a GET (nothing of ours remembered).
      await advance(TIMINGS.firstWriteDelayMs);
      expect(api.calls).to.deep.equal(["GET", "PATCH rv=none"]);
      expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(1);
      expect(outcomes).to.deep.equal([["recorded", "web-a", 1]]);
    });

    it("nothing to claim: none waiting, all stored already, another Diagnosis of the name, ours backing off", async () => {
      const { api, writer, advance } = setup();
      expect(writer.claim(diagnosis())).to.equal(undefined);
      writer.add(TARGET, record("web-a", 1));
      const stored = diagnosis();
      stored.status = {
        trigger: {
          source: "PodRestart",
          workload: "web",
          restartsObserved: 1,
          restarts: [record("web-a", 1).entry],
        },
      };
      expect(writer.claim(stored)).to.equal(undefined);
      const other = diagnosis();
      other.metadata.uid = "d-2";
      expect(writer.claim(other)).to.equal(undefined);
      // Our own write failed: its retry owns the records until it lands.
      api.failures.push(new Error("connection reset"));
      await advance(TIMINGS.firstWriteDelayMs);
      expect(api.calls).to.deep.equal(["GET", "PATCH rv=none"]);
      expect(writer.claim(diagnosis())).to.equal(undefined);
      await advance(TIMINGS.quietMs);
      expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(1);
    });
  });

  describe("with the default timings: a 1.2 s quiet period, a write at least every 10 s", () => {
    it("are those numbers (the tests below are written against them)", () => {
      expect(DEFAULT_WRITE_TIMINGS).to.deep.include({
        firstWriteDelayMs: 250,
        quietMs: 1200,
        maxDelayMs: 10_000,
      });
    });

    it("writes a later restart 1.2 s after it, not a millisecond sooner", async () => {
      const { api, writer, advance } = setup(diagnosis(), {});
      writer.add(TARGET, record("web-a", 1));
      await advance(249);
      expect(api.patchedAt).to.deep.equal([]);
      await advance(1);
      expect(api.patchedAt).to.deep.equal([250]);
      await advance(750);
      writer.add(TARGET, record("web-a", 2));
      await advance(1199);
      expect(api.patchedAt).to.deep.equal([250]);
      await advance(1);
      expect(api.patchedAt).to.deep.equal([250, 2200]);
      expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(2);
    });

    it("a restart within the quiet period moves the write to 1.2 s after it", async () => {
      const { api, writer, advance } = setup(diagnosis(), {});
      writer.add(TARGET, record("web-a", 1));
      await advance(250);
      await advance(750);
      writer.add(TARGET, record("web-a", 2)); // t=1000
      await advance(1100);
      writer.add(TARGET, record("web-b", 1)); // t=2100: the write due at 2200 waits
      await advance(1199);
      expect(api.patchedAt).to.deep.equal([250]);
      await advance(1);
      expect(api.patchedAt).to.deep.equal([250, 3300]);
      expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(3);
    });

    it("restarts that never pause (one a second) are written every 10 s, counted once each", async () => {
      const { api, writer, advance, outcomes } = setup(diagnosis(), {});
      writer.add(TARGET, record("web-a", 1));
      await advance(250);
      await advance(750);
      // t = 1000, 2000, ..., 30000: 30 restarts, never 1.2 s apart.
      for (let i = 1; i <= 30; i++) {
        writer.add(TARGET, record(`web-${i}`, 1));
        await advance(1000);
      }
      // The first at 250; then 10 s after the oldest record each write did not take.
      expect(api.patchedAt).to.deep.equal([250, 11_000, 21_000, 31_000]);
      await advance(10_000);
      expect(api.patchedAt).to.have.length(4, "nothing left to write");
      expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(31);
      expect(outcomes.filter(([o]) => o === "recorded")).to.have.length(31);
    });
  });
});
