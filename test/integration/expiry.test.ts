/**
 * Finished Diagnoses expire, against a real kube-apiserver, and the trigger's accounting stays
 * exact across that: a manual Diagnosis with ttlSecondsAfterFinished 0 goes as soon as it failed;
 * an automatic one is kept two cooldown windows after its creation whatever its TTL, and once it
 * is gone, neither a restarted operator (replaying every pod) counts the restart it recorded
 * again, nor is the next restart of that container counted with it.
 *
 * The target pods are bound to a node that does not exist, so their Diagnoses fail at once
 * (NodeGone): finished, without any collector. Short cooldown and TTL via the operator's flags.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { type Diagnosis, GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import type { ControlPlane } from "../support/controlPlane.js";
import { oomRestartedStatus } from "../support/kubeletPodStatus.js";
import {
  createNamespaceForPods,
  type OperatorUnderTest,
  sleep,
  startClusterWithCrd,
  startTestOperator,
  waitFor,
} from "../support/operatorHarness.js";

const NS = "expiry";
const COOLDOWN_SECONDS = 4;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("Diagnosis expiry and restart accounting across it (real kube-apiserver)", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let op: OperatorUnderTest | undefined;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  const start = async (): Promise<OperatorUnderTest> =>
    startTestOperator(
      cp!,
      [`--cooldown-seconds=${COOLDOWN_SECONDS}`, "--ttl-seconds-after-finished=1"],
      { timings: { waitRequeueMs: 300, runningRequeueMs: 1000 } },
    );

  before(async () => {
    cp = await startClusterWithCrd();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    await createNamespaceForPods(core, NS);
    op = await start();
  });

  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  async function diagnoses(): Promise<Diagnosis[]> {
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
    })) as { items: Diagnosis[] };
    return list.items;
  }

  /** The kubelet's status after restart `n`: the killed container ran from `startedAt`. */
  async function restart(pod: string, n: number, startedAt: Date, finishedAt: Date) {
    await core.patchNamespacedPodStatus(
      {
        namespace: NS,
        name: pod,
        body: oomRestartedStatus(n, startedAt, finishedAt, "c"),
      },
      mergePatch,
    );
  }

  it("a manual Diagnosis with ttlSecondsAfterFinished 0 is deleted once it failed", async () => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: "Diagnosis",
        metadata: { name: "manual-gone" },
        spec: { target: { pod: "no-such-pod" }, ttlSecondsAfterFinished: 0 },
      },
    });
    await waitFor("the failed manual Diagnosis to be deleted", 60_000, async () =>
      (await diagnoses()).every((d) => d.metadata.name !== "manual-gone"),
    );
  });

  it("an automatic Diagnosis lives two cooldowns; after it, nothing it counted is counted again", async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: "solo" },
        spec: { nodeName: "no-such-node", containers: [{ name: "app", image: "app:1" }] },
      },
    });
    const t0 = new Date(Date.now() - 2000);
    const kill1 = new Date();
    await restart("solo", 1, t0, kill1);
    const d1 = await waitFor("the first restart's Diagnosis", 10_000, async () =>
      (await diagnoses()).find((d) => d.status?.trigger?.restartsObserved === 1),
    );
    const created = Date.parse(d1.metadata.creationTimestamp!);
    await waitFor("it to fail (its node does not exist)", 30_000, async () =>
      (await diagnoses()).some((d) => d.status?.phase === "Failed"),
    );
    await waitFor("it to expire", 60_000, async () => (await diagnoses()).length === 0);
    // Its TTL is 1 s, but the trigger counted against it for one window: kept for two.
    // (creationTimestamp has whole seconds.)
    expect(Date.now() - created).to.be.at.least(2 * COOLDOWN_SECONDS * 1000 - 1000);

    // A new operator replays every pod: "solo" still shows restart 1 as an OOM kill.
    await op!.stop();
    op = await start();
    await sleep(3000);
    expect(await diagnoses(), "the expired Diagnosis' restart counted again").to.deep.equal([]);

    // The next restart: a new Diagnosis counting that one restart only.
    await restart("solo", 2, kill1, new Date());
    const d2 = await waitFor("the second restart's Diagnosis", 10_000, async () =>
      (await diagnoses()).find((d) => d.status?.trigger !== undefined),
    );
    await sleep(2500);
    const now = (await diagnoses()).filter((d) => d.metadata.uid === d2.metadata.uid);
    expect(now).to.have.length(1);
    expect(now[0]!.metadata.name).to.not.equal(d1.metadata.name);
    expect(now[0]!.status?.trigger?.restartsObserved).to.equal(1);
    expect(now[0]!.status?.trigger?.restarts?.map((r) => r.restartCount)).to.deep.equal([2]);
  });
});
