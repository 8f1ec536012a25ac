import { expect } from "chai";
import winston from "winston";
import {
  ConflictError,
  type ObjectKey,
  type ReconcileResult,
  TerminalError,
} from "../../../../operator/controller/runtime/contracts.js";
import { Controller } from "../../../../operator/controller/runtime/controller.js";
import { MetricsRegistry } from "../../../../operator/controller/runtime/metricsRegistry.js";
import { createRuntimeMetrics } from "../../../../operator/controller/runtime/runtimeMetrics.js";
import { waitFor } from "./fakeListWatch.js";

const logger = winston.createLogger({ silent: true });

function harness(
  behaviour: (key: ObjectKey, attempt: number) => Promise<ReconcileResult | undefined>,
) {
  const calls: ObjectKey[] = [];
  const attempts = new Map<ObjectKey, number>();
  let concurrent = 0;
  let maxConcurrentSameKey = 0;
  const inFlight = new Set<ObjectKey>();
  const registry = new MetricsRegistry();
  const metrics = createRuntimeMetrics(registry, "test");
  const controller = new Controller({
    reconciler: {
      name: "test",
      async reconcile(key) {
        calls.push(key);
        if (inFlight.has(key)) maxConcurrentSameKey = 2;
        inFlight.add(key);
        concurrent++;
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        try {
          return await behaviour(key, n);
        } finally {
          concurrent--;
          inFlight.delete(key);
        }
      },
    },
    workers: 3,
    logger,
    metrics,
  });
  return {
    controller,
    calls,
    metrics,
    registry,
    concurrent: () => concurrent,
    sameKeyTwice: () => maxConcurrentSameKey,
  };
}

describe("Controller", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("ignores events before start, replays initial keys on start, and reconciles each key", async () => {
    const h = harness(async () => undefined);
    h.controller.enqueue(["ns/early"]);
    h.controller.start(() => ["ns/a", "ns/b"]);
    stop = () => h.controller.stop();
    await waitFor(() => h.calls.length === 2, "two reconciles");
    expect(h.calls).to.have.members(["ns/a", "ns/b"]);
    expect(h.metrics.reconcileTotal.get({ controller: "test", result: "success" })).to.equal(2);
  });

  it("retries a throwing reconcile with growing backoff until it succeeds", async () => {
    const h = harness(async (_key, attempt) => {
      if (attempt < 4) throw new Error("apiserver unavailable");
      return undefined;
    });
    h.controller.start(() => ["ns/a"]);
    stop = () => h.controller.stop();
    const t0 = Date.now();
    await waitFor(() => h.calls.length === 4, "four attempts");
    // Backoffs 5 + 10 + 20 ms.
    expect(Date.now() - t0).to.be.at.least(30);
    expect(h.metrics.reconcileErrors.get({ controller: "test" })).to.equal(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(h.calls).to.have.length(4);
    expect(h.controller.queue.numRequeues("ns/a"), "success forgets the backoff").to.equal(0);
  });

  it("retries a ConflictError quietly: counted as a conflict and a requeue, not as an error", async () => {
    const h = harness(async (_key, attempt) => {
      if (attempt < 3) throw new ConflictError("the object has changed");
      return undefined;
    });
    h.controller.start(() => ["ns/a"]);
    stop = () => h.controller.stop();
    await waitFor(() => h.calls.length === 3, "three attempts");
    await new Promise((r) => setTimeout(r, 30));
    expect(h.calls).to.have.length(3);
    expect(h.metrics.reconcileConflicts.get({ controller: "test" })).to.equal(2);
    expect(h.metrics.reconcileTotal.get({ controller: "test", result: "requeue" })).to.equal(2);
    expect(h.metrics.reconcileErrors.get({ controller: "test" })).to.equal(0);
  });

  it("does not retry a TerminalError", async () => {
    const h = harness(async () => {
      throw new TerminalError("target pod is in another namespace");
    });
    h.controller.start(() => ["ns/a"]);
    stop = () => h.controller.stop();
    await waitFor(() => h.calls.length === 1, "one attempt");
    await new Promise((r) => setTimeout(r, 50));
    expect(h.calls).to.have.length(1);
    // controller-runtime counts a terminal error as an error, and once more as terminal.
    expect(h.metrics.reconcileTotal.get({ controller: "test", result: "error" })).to.equal(1);
    expect(h.metrics.reconcileErrors.get({ controller: "test" })).to.equal(1);
    expect(h.metrics.terminalReconcileErrors.get({ controller: "test" })).to.equal(1);
  });

  it("requeueAfterMs reconciles the key again later without counting a failure", async () => {
    const h = harness(async (_key, attempt) =>
      attempt === 1 ? { requeueAfterMs: 30 } : undefined,
    );
    h.controller.start(() => ["ns/a"]);
    stop = () => h.controller.stop();
    await waitFor(() => h.calls.length === 2, "requeued reconcile");
    expect(h.metrics.reconcileErrors.get({ controller: "test" })).to.equal(0);
    expect(h.metrics.reconcileTotal.get({ controller: "test", result: "requeue_after" })).to.equal(
      1,
    );
  });

  it("never reconciles the same key concurrently, and a key changed mid-reconcile runs once more", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = harness(async (_key, attempt) => {
      if (attempt === 1) await gate;
      return undefined;
    });
    h.controller.start(() => ["ns/a"]);
    stop = () => h.controller.stop();
    await waitFor(() => h.calls.length === 1, "first reconcile");
    h.controller.enqueue(["ns/a", "ns/a", "ns/a"]);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.calls).to.have.length(1);
    release();
    await waitFor(() => h.calls.length === 2, "second reconcile");
    await new Promise((r) => setTimeout(r, 20));
    expect(h.calls).to.have.length(2);
    expect(h.sameKeyTwice()).to.equal(0);
  });

  it("stop() waits for the in-flight reconcile and starts no new ones", async () => {
    let finished = false;
    const h = harness(async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
      return undefined;
    });
    h.controller.start(() => ["ns/a"]);
    await waitFor(() => h.calls.length === 1, "reconcile started");
    h.controller.enqueue(["ns/b"]);
    await h.controller.stop();
    expect(finished).to.equal(true);
    expect(h.concurrent()).to.equal(0);
    h.controller.enqueue(["ns/c"]);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.calls).to.not.include("ns/c");
  });
});
