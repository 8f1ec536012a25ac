/**
 * Sharing the collector among namespaces, against a real kube-apiserver and
 * kube-controller-manager with the operator's runtime: a burst of one namespace's Diagnoses
 * holds another namespace's Diagnosis Queued for at most one slot turn; a namespace beyond its
 * cap of unfinished Diagnoses gets TooManyOpenDiagnoses; a Diagnosis that waits for a slot past
 * the deadline fails QueuedTooLong. Node targets on a Node without a kubelet: the collector pods
 * stay Pending, so a slot frees only when the test deletes a running Diagnosis.
 */
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  API_VERSION,
  type Diagnosis,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
} from "../../operator/api/v1alpha1/diagnosis.js";
import type { ControlPlane } from "../support/controlPlane.js";
import {
  type OperatorUnderTest,
  startClusterWithCrd,
  startTestOperator,
  waitFor,
} from "../support/operatorHarness.js";

const NODE = "shared-node";
const BURST = "burst";
const QUIET = "quiet";
const MAX_JOBS = 2;
const MAX_OPEN = 6;
const MAX_QUEUED_SECONDS = 20;

describe("fair share of the collector across namespaces (real kube-apiserver)", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let op: OperatorUnderTest | undefined;
  let custom: CustomObjectsApi;

  before(async () => {
    cp = await startClusterWithCrd();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    for (const name of [BURST, QUIET]) await core.createNamespace({ body: { metadata: { name } } });
    await core.createNode({ body: { metadata: { name: NODE } } });
    op = await startTestOperator(
      cp,
      [
        `--max-jobs=${MAX_JOBS}`,
        `--max-jobs-per-node=${MAX_JOBS}`,
        `--max-open-per-namespace=${MAX_OPEN}`,
        `--max-queued-seconds=${MAX_QUEUED_SECONDS}`,
        "--auto-trigger=false",
      ],
      { timings: { waitRequeueMs: 500, runningRequeueMs: 1000 } },
    );
  });

  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  const ref = (namespace: string) => ({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
  });

  async function create(namespace: string, name: string): Promise<void> {
    await custom.createNamespacedCustomObject({
      ...ref(namespace),
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name },
        spec: { target: { node: NODE }, checks: ["softirq"] },
      },
    });
  }

  async function list(namespace: string): Promise<Diagnosis[]> {
    const l = (await custom.listNamespacedCustomObject(ref(namespace))) as { items: Diagnosis[] };
    return l.items;
  }

  const jobCreated = (d: Diagnosis) =>
    d.status?.conditions?.find((c) => c.type === "JobCreated" && c.status === "True") !== undefined;
  const reasonOf = (d: Diagnosis, type: string) =>
    d.status?.conditions?.find((c) => c.type === type)?.reason;
  const names = (ds: Diagnosis[]) => ds.map((d) => d.metadata.name).sort();

  it("a burst holds another namespace's Diagnosis for one slot turn at most; the cap refuses the one past it", async () => {
    // Created one by one so creation order (the order within a namespace) is the name order.
    for (let i = 0; i < MAX_OPEN + 1; i++) await create(BURST, `b${i}`);
    const settled = await waitFor(
      "the burst to take both slots and queue the rest",
      30_000,
      async () => {
        const ds = await list(BURST);
        const running = ds.filter(jobCreated);
        const queued = ds.filter((d) => reasonOf(d, "JobCreated") === "Queued" && !jobCreated(d));
        const refused = ds.filter((d) => reasonOf(d, "Failed") === "TooManyOpenDiagnoses");
        return running.length === MAX_JOBS &&
          queued.length === MAX_OPEN - MAX_JOBS &&
          refused.length === 1
          ? { running, queued, refused }
          : undefined;
      },
    );
    expect(names(settled.refused), "the one past the cap of unfinished Diagnoses").to.deep.equal([
      "b6",
    ]);
    const message = settled.refused[0]!.status!.conditions!.find(
      (c) => c.type === "Failed",
    )!.message;
    expect(message).to.match(/namespace burst has 6 unfinished Diagnoses.*\(6\)/);

    await create(QUIET, "q0");
    await waitFor("q0 to queue", 15_000, async () =>
      (await list(QUIET)).some((d) => reasonOf(d, "JobCreated") === "Queued"),
    );

    // One slot frees: the burst's four queued Diagnoses ask too, but it is namespace quiet's turn.
    const firstRunning = names(settled.running)[0]!;
    await custom.deleteNamespacedCustomObject({ ...ref(BURST), name: firstRunning });
    await waitFor("q0 to get the free slot", 15_000, async () =>
      (await list(QUIET)).some(jobCreated),
    );
    const burstRunning = (await list(BURST)).filter(jobCreated);
    expect(names(burstRunning), "no queued burst Diagnosis took the slot").to.deep.equal(
      names(settled.running).filter((n) => n !== firstRunning),
    );

    // The next free slot goes back to the burst, to its oldest queued Diagnosis.
    await custom.deleteNamespacedCustomObject({ ...ref(QUIET), name: "q0" });
    const next = await waitFor("a burst Diagnosis to get the next slot", 15_000, async () => {
      const running = (await list(BURST)).filter(jobCreated);
      return running.length === MAX_JOBS ? running : undefined;
    });
    expect(names(next)).to.include(names(settled.queued)[0]!);
  });

  it("a Diagnosis that waits for a slot past the deadline fails QueuedTooLong", async () => {
    const failed = await waitFor(
      "the burst's queued Diagnoses to give up",
      (MAX_QUEUED_SECONDS + 15) * 1000,
      async () => {
        const ds = (await list(BURST)).filter((d) => reasonOf(d, "Failed") === "QueuedTooLong");
        return ds.length === MAX_OPEN - MAX_JOBS - 1 ? ds : undefined;
      },
      500,
    );
    const c = failed[0]!.status!.conditions!.find((x) => x.type === "Failed")!;
    expect(c.message).to.match(
      new RegExp(
        `waited \\d+s for a collector slot, the most the operator allows is ${MAX_QUEUED_SECONDS}s`,
      ),
    );
    const waited = Number(/waited (\d+)s/.exec(c.message)![1]);
    expect(waited).to.be.within(MAX_QUEUED_SECONDS, MAX_QUEUED_SECONDS + 5);
    expect((await list(BURST)).filter(jobCreated)).to.have.length(MAX_JOBS);
  });
});
