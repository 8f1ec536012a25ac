import type { V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import winston from "winston";
import {
  API_VERSION,
  type Diagnosis,
  KIND,
  type RecordedRestart,
} from "../../../../operator/api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../../../../operator/controller/diagnosis/clusterClient.js";
import { KeyChannel } from "../../../../operator/controller/runtime/keyChannel.js";
import { ObjectStore } from "../../../../operator/controller/runtime/objectStore.js";
import {
  RestartTrigger,
  TRIGGERED_WORKLOAD_INDEX,
  triggeredWorkload,
} from "../../../../operator/controller/trigger/restartTrigger.js";
import { FakeTimers } from "../runtime/fakeTimers.js";

function diagnosis(
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { namespace: "shop", name, labels, annotations },
    spec: { target: { pod: "web-1" } },
  };
}

describe("RestartTrigger's Diagnosis index", () => {
  it("finds the triggered Diagnoses of a workload, not manual ones or another namespace's", () => {
    const s = new ObjectStore<Diagnosis>();
    s.addIndex(TRIGGERED_WORKLOAD_INDEX, triggeredWorkload);
    const triggered = { "diagnose.dev/trigger": "PodRestart" };
    const web = { "diagnose.dev/workload": "Deployment/web" };
    s.set(diagnosis("web-oom-1", triggered, web));
    s.set(diagnosis("manual", {}, web));
    s.set({
      ...diagnosis("other-ns", triggered, web),
      metadata: { namespace: "blog", name: "x", labels: triggered, annotations: web },
    });
    s.set(diagnosis("api-oom-1", triggered, { "diagnose.dev/workload": "Deployment/api" }));
    s.set(diagnosis("no-workload", triggered, {}));
    expect(
      s.byIndex(TRIGGERED_WORKLOAD_INDEX, "shop/Deployment/web").map((d) => d.metadata.name),
    ).to.deep.equal(["web-oom-1"]);
    expect(s.byIndex(TRIGGERED_WORKLOAD_INDEX, "blog/Deployment/web")).to.have.length(1);
  });
});

const NOW = new Date("2026-01-01T12:00:00Z");
const T0 = new Date(NOW.getTime() - 60_000);

/** A Deployment `web`'s pod whose container restarted `restartCount` times, last by OOM. */
function oomPod(name: string, restartCount: number, uid = `uid-${name}`): V1Pod {
  return {
    metadata: {
      name,
      namespace: "shop",
      uid,
      creationTimestamp: new Date(NOW.getTime() - 30 * 86_400_000),
      labels: { "pod-template-hash": "5d8f7c9b6d" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-5d8f7c9b6d",
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
          lastState: {
            terminated: {
              exitCode: 137,
              reason: "OOMKilled",
              startedAt: new Date(NOW.getTime() - 5000),
              finishedAt: new Date(NOW.getTime() - 1000),
            },
          },
        },
      ],
    },
  };
}

function triggered(name: string, restarts: RecordedRestart[]): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      namespace: "shop",
      name,
      uid: `uid-${name}`,
      creationTimestamp: T0.toISOString(),
      labels: { "diagnose.dev/trigger": "PodRestart" },
      annotations: { "diagnose.dev/workload": "Deployment/web" },
    },
    spec: { target: { pod: "web-a", container: "app" } },
    status: {
      trigger: {
        source: "PodRestart",
        workload: "web",
        restarts,
        restartsObserved: restarts.reduce((n, r) => n + r.restartCount, 0),
      },
    },
  };
}

function recorded(pod: string, restartCount: number): RecordedRestart {
  return {
    pod,
    podUID: `uid-${pod}`,
    container: "app",
    restartCount,
    finishedAt: T0.toISOString(),
    observedAt: T0.toISOString(),
  };
}

function triggerWith(pods: V1Pod[], diagnoses: Diagnosis[]) {
  const podStore = new ObjectStore<V1Pod>();
  for (const p of pods) podStore.set(p);
  podStore.markSynced();
  const diagnosisStore = new ObjectStore<Diagnosis>();
  diagnosisStore.addIndex(TRIGGERED_WORKLOAD_INDEX, triggeredWorkload);
  for (const d of diagnoses) diagnosisStore.set(d);
  diagnosisStore.markSynced();
  const stored = new Map(diagnoses.map((d) => [d.metadata.name!, structuredClone(d)]));
  const calls: string[] = [];
  const client = {
    async createDiagnosis(d: Diagnosis) {
      calls.push(`POST ${d.metadata.name}`);
      if (stored.has(d.metadata.name!)) return "exists";
      const made = {
        ...structuredClone(d),
        metadata: {
          ...d.metadata,
          uid: `uid-${d.metadata.name}`,
          creationTimestamp: NOW.toISOString(),
        },
      };
      stored.set(d.metadata.name!, made);
      return structuredClone(made);
    },
    async getDiagnosis(_ns: string, name: string) {
      calls.push(`GET ${name}`);
      return structuredClone(stored.get(name));
    },
    async patchDiagnosisStatus(
      _ns: string,
      name: string,
      _rv: unknown,
      status: Diagnosis["status"],
    ) {
      calls.push(`PATCH ${name}`);
      const d = stored.get(name)!;
      d.status = { ...d.status, ...status };
      return structuredClone(d);
    },
  } as unknown as ClusterClient;
  const timers = new FakeTimers();
  const trigger = new RestartTrigger({
    client,
    pods: podStore,
    diagnoses: diagnosisStore,
    clock: { now: () => NOW },
    timers,
    logger: winston.createLogger({ silent: true }),
    options: { cooldownSeconds: 600, namespaceSelector: "" },
    requeue: new KeyChannel(),
  });
  const flush = async (): Promise<void> => {
    timers.advance(60_000);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  const observed = () =>
    [...stored.values()].reduce((n, d) => n + (d.status?.trigger?.restartsObserved ?? 0), 0);
  /** Advance the fake clock by ms and let the writes run. */
  const advance = async (ms: number): Promise<void> => {
    timers.advance(ms);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  return { trigger, calls, stored, flush, advance, observed, podStore };
}

describe("RestartTrigger accounting (from what the Diagnoses record)", () => {
  it("a new leader counts what was not recorded: two restarts while nobody looked count two", async () => {
    // Recorded before the leader changed: web-a at 1, web-b at 1.
    const d = triggered("web-oom-1", [recorded("web-a", 1), recorded("web-b", 1)]);
    const { trigger, calls, stored, flush, observed } = triggerWith(
      [oomPod("web-a", 3), oomPod("web-b", 1)],
      [d],
    );
    expect(observed()).to.equal(2);
    await trigger.reconcile("shop/web-a");
    await trigger.reconcile("shop/web-b");
    await flush();
    expect(calls).to.deep.equal(["GET web-oom-1", "PATCH web-oom-1"]);
    expect(observed()).to.equal(4);
    expect(
      stored.get("web-oom-1")!.status!.trigger!.restarts!.map((r) => [r.pod, r.restartCount]),
    ).to.deep.equal([
      ["web-a", 3],
      ["web-b", 1],
    ]);
  });

  it("reconciling again before the write counts nothing twice (records not written count)", async () => {
    const { trigger, flush, observed } = triggerWith([oomPod("web-a", 2)], []);
    await trigger.reconcile("shop/web-a");
    await trigger.reconcile("shop/web-a");
    await flush();
    await trigger.reconcile("shop/web-a");
    await flush();
    // An old pod with nothing recorded: its last restart and the one dated before it.
    expect(observed()).to.equal(2);
  });

  it("creates one Diagnosis per workload; a sibling reconciled before the cache shows it records onto it", async () => {
    const { trigger, calls, flush, observed } = triggerWith(
      [oomPod("web-a", 1), oomPod("web-b", 1)],
      [],
    );
    await trigger.reconcile("shop/web-a");
    await trigger.reconcile("shop/web-b");
    await flush();
    expect(calls.filter((c) => c.startsWith("POST"))).to.have.length(1);
    expect(calls.filter((c) => c.startsWith("PATCH"))).to.have.length(1);
    expect(observed()).to.equal(2);
  });

  it("two workers creating for one workload at once: one create, the other records onto it, even across a window's end", async () => {
    // web-a's kill in the window ending at NOW, web-b's in the next: two names, one Diagnosis.
    const b = oomPod("web-b", 1);
    b.status!.containerStatuses![0]!.lastState!.terminated!.finishedAt = NOW;
    const { trigger, calls, stored, flush, observed } = triggerWith([oomPod("web-a", 1), b], []);
    await Promise.all([trigger.reconcile("shop/web-a"), trigger.reconcile("shop/web-b")]);
    await flush();
    expect(calls.filter((c) => c.startsWith("POST"))).to.have.length(1);
    expect(stored.size).to.equal(1);
    expect(observed()).to.equal(2);
  });

  it("a burst of one workload's restarts (one a second) is written once, 1.2 s after the last", async () => {
    const { trigger, calls, advance, observed, podStore } = triggerWith([oomPod("web-a", 1)], []);
    await trigger.reconcile("shop/web-a");
    // The restart that created the Diagnosis waits for the Diagnosis reconciler's first write
    // to carry it (none runs here), at most the quiet period like any later one.
    await advance(250);
    expect(calls.map((c) => c.split(" ")[0])).to.deep.equal(["POST"]);
    await advance(750);
    for (let n = 2; n <= 6; n++) {
      podStore.set(oomPod("web-a", n));
      await trigger.reconcile("shop/web-a");
      await advance(1000);
    }
    // The last restart at 5 s: its write at 6.2 s, one for all six.
    await advance(199);
    expect(calls.filter((c) => c.startsWith("PATCH"))).to.have.length(0);
    await advance(1);
    expect(calls.filter((c) => c.startsWith("PATCH"))).to.have.length(1);
    expect(calls.filter((c) => c.startsWith("POST"))).to.have.length(1);
    expect(observed()).to.equal(6);
  });

  it("the Diagnosis reconciler's first write carries the restart that created the Diagnosis: no write of the trigger's own", async () => {
    const { trigger, calls, stored, advance, observed } = triggerWith([oomPod("web-a", 1)], []);
    await trigger.reconcile("shop/web-a");
    const d = [...stored.values()][0]!;
    const claimed = trigger.pendingRecords.claim(d)!;
    expect(claimed.trigger.restartsObserved).to.equal(1);
    // The reconciler's guarded write, as stored: its own fields and the trigger.
    d.status = { phase: "Pending", trigger: claimed.trigger };
    claimed.written(structuredClone(d));
    await advance(60_000);
    expect(calls.map((c) => c.split(" ")[0])).to.deep.equal(["POST"]);
    expect(observed()).to.equal(1);
  });

  it("a pod being deleted (its owner gone, a rollout) restarted all the same: counted", async () => {
    const terminating = oomPod("web-a", 1);
    terminating.metadata!.deletionTimestamp = NOW;
    const { trigger, flush, observed } = triggerWith([terminating], []);
    await trigger.reconcile("shop/web-a");
    await flush();
    expect(observed()).to.equal(1);
  });

  it("maps only pods whose restart counts moved and that show an OOM kill, keeping nothing", () => {
    const { trigger } = triggerWith([], []);
    const before = oomPod("web-a", 1);
    expect(trigger.mapToKeys(oomPod("web-a", 2), before)).to.deep.equal(["shop/web-a"]);
    expect(trigger.mapToKeys(oomPod("web-a", 1), before)).to.deep.equal([]);
    expect(trigger.mapToKeys(oomPod("web-a", 1))).to.deep.equal(["shop/web-a"]);
    const crashed = oomPod("web-a", 2);
    crashed.status!.containerStatuses![0]!.lastState!.terminated!.exitCode = 1;
    crashed.status!.containerStatuses![0]!.lastState!.terminated!.reason = "Error";
    expect(trigger.mapToKeys(crashed, before)).to.deep.equal([]);
  });
});
