/**
 * Burst: every burst pod's container is OOM-killed once, sends spread over the window; then the
 * bench polls the Diagnoses until their recorded restarts add up to the burst (or a deadline),
 * and counts Diagnoses, collector Jobs and the HTTP requests the operator sent meanwhile.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { reconcileStats } from "../support/prometheusText.js";
import type { BenchApi, WatchHandle } from "./benchApi.js";
import { DIAGNOSES, OPERATOR_NAMESPACE } from "./benchCluster.js";
import { oomRestartStatusPatch } from "./benchObjects.js";
import type { BenchOperator } from "./benchOperator.js";
import { runBounded } from "./boundedPool.js";
import { accountedRestarts, type BurstPod, sendSchedule } from "./burstPlan.js";
import { type EventTally, tallyEvents, type WriteTally, WriteTracker } from "./burstWrites.js";

export interface BurstRun {
  accounted: number;
  diagnoses: number;
  jobs: number;
  sendSeconds: number;
  seconds: number;
  complete: boolean;
  apiRequests: number | null;
  apiRequestsBy: Record<string, number>;
  /** Operator reconciles during the burst and their mean duration, per controller. */
  reconciles: Record<string, { count: number; meanMs: number | null }>;
  /** The Diagnoses' writes seen on a watch, by what they changed (see burstWrites.ts). */
  writes: WriteTally;
  /** The Diagnoses' Events by reason once the Jobs are there. */
  events: EventTally;
}

interface DiagnosisList {
  items: { metadata: { name: string }; status?: { trigger?: { restartsObserved?: number } } }[];
}

/**
 * Watches `path` into `tracker` until stopped; a watch the apiserver ends is resumed from the
 * last resourceVersion seen (the write counts must not stop with it).
 */
async function followWrites(
  api: BenchApi,
  path: string,
  tracker: WriteTracker,
): Promise<{ stop(): void }> {
  let rv = await api.currentResourceVersion(path);
  let stopped = false;
  let current: WatchHandle | undefined;
  const start = (): void => {
    if (stopped) return;
    current = api.watch(
      path,
      rv,
      (e) => {
        if (e.type === "ERROR") return;
        rv = e.object.metadata?.resourceVersion ?? rv;
        tracker.observe(e.type, e.object);
      },
      () => {
        if (!stopped) setTimeout(start, 100);
      },
    );
  };
  start();
  await current?.established;
  return {
    stop: () => {
      stopped = true;
      current?.stop();
    },
  };
}

export async function runBurst(opts: {
  api: BenchApi;
  operator: BenchOperator;
  namespace: string;
  pods: readonly BurstPod[];
  windowSeconds: number;
  /** Jobs the caps allow at once: the bench waits for that many (or the deadline). */
  expectedJobs: (diagnoses: number) => number;
  deadlineSeconds: number;
  signal?: AbortSignal;
  onProgress: (line: string) => void;
}): Promise<BurstRun> {
  const { api, namespace } = opts;
  const before = await opts.operator.probe().catch(() => undefined);
  const metricsBefore = await opts.operator.process.metrics().catch(() => "");
  const schedule = sendSchedule(opts.pods.length, opts.windowSeconds * 1000);
  const diagnosesPath = `${DIAGNOSES}/namespaces/${namespace}/diagnoses`;
  const tracker = new WriteTracker();
  const watch = await followWrites(api, diagnosesPath, tracker);
  const started = performance.now();
  const sending = runBounded(
    opts.pods,
    32,
    async (pod, i) => {
      const wait = started + schedule[i]! - performance.now();
      if (wait > 0) await sleep(wait);
      await api.request(
        "PATCH",
        `/api/v1/namespaces/${namespace}/pods/${pod.name}/status`,
        oomRestartStatusPatch(pod.name, 1, new Date()),
        { contentType: "application/merge-patch+json" },
      );
    },
    undefined,
    opts.signal,
  ).then(() => (performance.now() - started) / 1000);

  const deadline = started + opts.deadlineSeconds * 1000;
  let accounted = 0;
  let diagnoses = 0;
  let sendSeconds: number | undefined;
  let accountedAt: number | undefined;
  let lastReport = 0;
  sending.then(
    (s) => {
      sendSeconds = s;
    },
    () => {},
  );
  while (performance.now() < deadline) {
    opts.signal?.throwIfAborted();
    const list = await api.request<DiagnosisList>(
      "GET",
      `${DIAGNOSES}/namespaces/${namespace}/diagnoses`,
    );
    diagnoses = list.items.length;
    accounted = accountedRestarts(list.items);
    const now = performance.now();
    if (now - lastReport > 2000) {
      lastReport = now;
      opts.onProgress(
        `accounted ${accounted}/${opts.pods.length}, ${diagnoses} diagnoses, ${((now - started) / 1000).toFixed(1)}s`,
      );
    }
    if (accounted >= opts.pods.length && sendSeconds !== undefined) {
      accountedAt = now;
      break;
    }
    await sleep(100);
  }
  const sent = await sending;
  // The Jobs follow the Diagnoses; give them until the deadline too (bounded by the caps).
  let jobs = 0;
  const want = opts.expectedJobs(diagnoses);
  for (;;) {
    const list = await api.request<{ items: unknown[] }>(
      "GET",
      `/apis/batch/v1/namespaces/${OPERATOR_NAMESPACE}/jobs`,
      undefined,
      { query: { labelSelector: `diagnose.dev/diagnosis-namespace=${namespace}` } },
    );
    jobs = list.items.length;
    if (jobs >= want || performance.now() > deadline || opts.signal?.aborted) break;
    await sleep(200);
  }
  const after = await opts.operator.probe().catch(() => undefined);
  watch.stop();
  const events = await api.request<{
    items: { reason?: string; count?: number; series?: { count?: number } }[];
  }>("GET", `/api/v1/namespaces/${namespace}/events`, undefined, {
    query: { fieldSelector: "involvedObject.kind=Diagnosis" },
  });
  const metricsAfter = await opts.operator.process.metrics().catch(() => "");
  const controllers = ["restart-trigger", "diagnosis"];
  const r0 = reconcileStats(metricsBefore, controllers);
  const r1 = reconcileStats(metricsAfter, controllers);
  const reconciles: BurstRun["reconciles"] = {};
  for (const c of controllers) {
    const count = r1[c]!.count - r0[c]!.count;
    const sum = (r1[c]!.meanMs ?? 0) * r1[c]!.count - (r0[c]!.meanMs ?? 0) * r0[c]!.count;
    reconciles[c] = { count, meanMs: count > 0 ? Math.round((sum / count) * 10) / 10 : null };
  }
  const apiRequestsBy: Record<string, number> = {};
  if (before && after)
    for (const [route, n] of Object.entries(after.byRoute)) {
      const d = n - (before.byRoute[route] ?? 0);
      if (d > 0) apiRequestsBy[route] = d;
    }
  return {
    accounted,
    diagnoses,
    jobs,
    sendSeconds: Math.round(sent * 10) / 10,
    seconds: Math.round((((accountedAt ?? performance.now()) - started) / 1000) * 10) / 10,
    complete: accountedAt !== undefined,
    apiRequests: before && after ? after.requests - before.requests : null,
    apiRequestsBy,
    reconciles,
    writes: tracker.tally(),
    events: tallyEvents(events.items),
  };
}
