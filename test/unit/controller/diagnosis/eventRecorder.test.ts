import type { CoreV1Event } from "@kubernetes/client-node";
import { expect } from "chai";
import winston from "winston";
import type { Diagnosis } from "../../../../operator/api/v1alpha1/diagnosis.js";
import { EventRecorder } from "../../../../operator/controller/diagnosis/eventRecorder.js";

function diagnosis(uid = "d-1"): Diagnosis {
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: { namespace: "shop", name: "web-oom-1", uid },
    spec: { target: { pod: "web-a" } },
  };
}

/** An Event API stand-in: creates name events e-1, e-2, ...; a deleted one answers 404. */
function fakeEvents() {
  const calls: string[] = [];
  const stored = new Map<string, CoreV1Event>();
  let n = 0;
  const client = {
    async createEvent(e: CoreV1Event) {
      const name = `e-${++n}`;
      calls.push(`create ${name} ${e.reason} count=${e.count}`);
      const made = { ...e, metadata: { ...e.metadata, name } };
      stored.set(name, made);
      return made;
    },
    async repeatEvent(_ns: string, name: string, r: { count: number; lastTimestamp: Date }) {
      calls.push(`repeat ${name} count=${r.count}`);
      const e = stored.get(name);
      if (!e) return undefined;
      e.count = r.count;
      e.lastTimestamp = r.lastTimestamp;
      return e;
    },
  };
  return { client, calls, stored };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe("EventRecorder", () => {
  let t = Date.parse("2026-01-01T12:00:00Z");
  const clock = { now: () => new Date(t) };
  const logger = winston.createLogger({ silent: true });

  it("counts an identical Event again on the one already there (count, lastTimestamp)", async () => {
    const api = fakeEvents();
    const r = new EventRecorder(api.client, clock, logger, "op-1");
    r.record(diagnosis(), "Normal", "Queued", "waiting for a collector slot");
    r.record(diagnosis(), "Normal", "Queued", "waiting for a collector slot");
    t += 1000;
    r.record(diagnosis(), "Normal", "Queued", "waiting for a collector slot");
    await settle();
    expect(api.calls).to.deep.equal([
      "create e-1 Queued count=1",
      "repeat e-1 count=2",
      "repeat e-1 count=3",
    ]);
    expect(api.stored.get("e-1")?.lastTimestamp?.getTime()).to.equal(t);
  });

  it("another message, reason or Diagnosis is another Event", async () => {
    const api = fakeEvents();
    const r = new EventRecorder(api.client, clock, logger, "op-1");
    r.record(diagnosis(), "Normal", "Queued", "a");
    r.record(diagnosis(), "Normal", "Queued", "b");
    r.record(diagnosis(), "Normal", "JobCreated", "a");
    r.record(diagnosis("d-2"), "Normal", "Queued", "a");
    await settle();
    expect(api.calls).to.have.length(4);
    expect(api.calls.every((c) => c.startsWith("create"))).to.equal(true);
  });

  it("after the repeat window, or when the Event is gone, a new one is created", async () => {
    const api = fakeEvents();
    const r = new EventRecorder(api.client, clock, logger, "op-1");
    r.record(diagnosis(), "Warning", "NodeGone", "x");
    await settle();
    t += 11 * 60_000;
    r.record(diagnosis(), "Warning", "NodeGone", "x");
    await settle();
    api.stored.clear();
    r.record(diagnosis(), "Warning", "NodeGone", "x");
    await settle();
    expect(api.calls).to.deep.equal([
      "create e-1 NodeGone count=1",
      "create e-2 NodeGone count=1",
      "repeat e-2 count=2",
      "create e-3 NodeGone count=1",
    ]);
  });
});
