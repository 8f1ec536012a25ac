import { expect } from "chai";
import type { Diagnosis } from "../../../../operator/api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../../../../operator/controller/diagnosis/clusterClient.js";
import type { OomRestart, Workload } from "../../../../operator/controller/trigger/restartRules.js";
import { TriggerStatusWriter } from "../../../../operator/controller/trigger/triggerStatusWriter.js";

const now = new Date("2026-01-01T12:00:00Z");
const workload: Workload = { kind: "Deployment", name: "web" };

function restart(restartCount: number): OomRestart {
  return { container: "app", exitCode: 137, reason: "OOMKilled", restartCount, delta: 1, at: now };
}

function diagnosis(uid = "d-1"): Diagnosis {
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: { namespace: "shop", name: "web-oom-1", uid, resourceVersion: "1" },
    spec: { target: { pod: "web-a", container: "app" } },
  } as Diagnosis;
}

/** An API stand-in: stores one Diagnosis; patches are slow enough for restarts to pile up. */
function fakeApi(stored: Diagnosis | undefined) {
  const calls: string[] = [];
  const patches: { resourceVersion: string | undefined; status: Record<string, unknown> }[] = [];
  let failNext = false;
  const client = {
    async getDiagnosis() {
      calls.push("GET");
      return stored && structuredClone(stored);
    },
    async patchDiagnosisStatus(
      _ns: string,
      _name: string,
      resourceVersion: string | undefined,
      status: Record<string, unknown>,
    ) {
      calls.push("PATCH");
      await new Promise((r) => setTimeout(r, 5));
      if (failNext) {
        failNext = false;
        throw new Error("apiserver hiccup");
      }
      patches.push({ resourceVersion, status });
      stored = { ...stored!, status: { ...stored!.status, ...status } } as Diagnosis;
      return structuredClone(stored);
    },
  } as unknown as ClusterClient;
  return {
    client,
    calls,
    patches,
    stored: () => stored,
    failOnce: () => {
      failNext = true;
    },
  };
}

describe("TriggerStatusWriter", () => {
  it("batches restarts that arrive during a write into one unguarded patch per Diagnosis", async () => {
    const api = fakeApi(diagnosis());
    const writer = new TriggerStatusWriter({ client: api.client, clock: { now: () => now } });
    const first = writer.record("shop", "web-oom-1", "d-1", {
      pod: "web-a",
      workload,
      restart: restart(1),
    });
    // While the first write is in flight, three more restarts of sibling pods arrive.
    const rest = ["web-b", "web-c", "web-d"].map((pod) =>
      writer.record("shop", "web-oom-1", "d-1", { pod, workload, restart: restart(1) }),
    );
    expect(await Promise.all([first, ...rest])).to.deep.equal([
      "recorded",
      "recorded",
      "recorded",
      "recorded",
    ]);
    // One GET for the first base; afterwards the object our own write returned is the base.
    expect(api.calls).to.deep.equal(["GET", "PATCH", "PATCH"]);
    expect(api.patches.map((p) => p.resourceVersion)).to.deep.equal([undefined, undefined]);
    const trigger = api.stored()!.status!.trigger!;
    expect(trigger.restartsObserved).to.equal(4);
    expect(trigger.restartCount).to.equal(1);
    expect(trigger.restarts?.map((r) => r.pod)).to.deep.equal(["web-b", "web-c", "web-d"]);
  });

  it("counts a restart already recorded as a duplicate, without a write", async () => {
    const api = fakeApi(diagnosis());
    const writer = new TriggerStatusWriter({ client: api.client, clock: { now: () => now } });
    const r = { pod: "web-b", workload, restart: restart(3) };
    expect(await writer.record("shop", "web-oom-1", "d-1", r)).to.equal("recorded");
    expect(await writer.record("shop", "web-oom-1", "d-1", r)).to.equal("duplicate");
    expect(api.calls).to.deep.equal(["GET", "PATCH"]);
  });

  it("rejects the batch when the write fails, and reads the Diagnosis again on the retry", async () => {
    const api = fakeApi(diagnosis());
    const writer = new TriggerStatusWriter({ client: api.client, clock: { now: () => now } });
    writer.remember(diagnosis());
    api.failOnce();
    const r = { pod: "web-b", workload, restart: restart(2) };
    let error: unknown;
    await writer.record("shop", "web-oom-1", "d-1", r).catch((err: unknown) => {
      error = err;
    });
    expect(String(error)).to.match(/apiserver hiccup/);
    expect(await writer.record("shop", "web-oom-1", "d-1", r)).to.equal("recorded");
    expect(api.calls).to.deep.equal(["PATCH", "GET", "PATCH"]);
    expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(1);
  });

  it("does not use a remembered Diagnosis of another UID (deleted and recreated)", async () => {
    const api = fakeApi(diagnosis("d-2"));
    const writer = new TriggerStatusWriter({ client: api.client, clock: { now: () => now } });
    writer.remember({
      ...diagnosis("d-1"),
      status: { trigger: { source: "PodRestart", restartsObserved: 7 } },
    } as Diagnosis);
    await writer.record("shop", "web-oom-1", "d-2", {
      pod: "web-b",
      workload,
      restart: restart(1),
    });
    expect(api.calls[0]).to.equal("GET");
    expect(api.stored()!.status!.trigger!.restartsObserved).to.equal(1);
  });

  it("fails when the Diagnosis is gone", async () => {
    const api = fakeApi(undefined);
    const writer = new TriggerStatusWriter({ client: api.client, clock: { now: () => now } });
    let error: unknown;
    await writer
      .record("shop", "web-oom-1", undefined, { pod: "web-b", workload, restart: restart(1) })
      .catch((err: unknown) => {
        error = err;
      });
    expect(String(error)).to.match(/disappeared/);
  });
});
