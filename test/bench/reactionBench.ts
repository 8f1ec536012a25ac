/**
 * Reaction latency: one pod at a time gets a kubelet-like status update (container restarted,
 * last state terminated exit 137 OOMKilled); the time from just before the PATCH is sent until
 * (a) a bare pod watch in this process sees the MODIFIED event (the floor: what any watch client
 * gets), (b) the operator's Diagnosis is ADDED, (c) its collector Job is ADDED. The three watches
 * run in this process from the same clock. Events are sequential (one in flight): this measures
 * latency, not throughput (the burst benchmark does that).
 */
import type { BenchApi, WatchHandle } from "./benchApi.js";
import { DIAGNOSES, OPERATOR_NAMESPACE } from "./benchCluster.js";
import { oomRestartStatusPatch } from "./benchObjects.js";
import { EventTimes, podOfTriggeredDiagnosis } from "./eventTimes.js";
import { type LatencySummary, summarizeLatencies } from "./stats.js";

const DIAGNOSIS_NAME_LABEL = "diagnose.dev/diagnosis-name";

export interface ReactionRun {
  diagnosis: LatencySummary;
  job: LatencySummary;
  floor: LatencySummary;
  /** Per event: Diagnosis (Job) seen minus the bare watch's sighting of the same update. */
  diagnosisShare: LatencySummary;
  jobShare: LatencySummary;
  missedDiagnoses: number;
  missedJobs: number;
  missedFloor: number;
}

export async function runReactionEvents(opts: {
  api: BenchApi;
  namespace: string;
  /** Bare pods (no owner, restartCount 0) to restart, one event each. */
  pods: readonly string[];
  perEventTimeoutMs: number;
  signal?: AbortSignal;
  onProgress: (done: number, last: { diagnosisMs?: number; jobMs?: number }) => void;
}): Promise<ReactionRun> {
  const { api, namespace } = opts;
  const times = new EventTimes();
  opts.signal?.addEventListener("abort", () => times.cancel(), { once: true });
  const watches: WatchHandle[] = [];
  let watchFailure: Error | undefined;
  const onEnd = (what: string) => (err?: Error) => {
    watchFailure ??= new Error(`${what} watch ended${err ? `: ${err.message}` : ""}`);
  };
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  const diagPath = `${DIAGNOSES}/namespaces/${namespace}/diagnoses`;
  const jobsPath = `/apis/batch/v1/namespaces/${OPERATOR_NAMESPACE}/jobs`;
  try {
    watches.push(
      api.watch(
        podsPath,
        await api.currentResourceVersion(podsPath),
        (e) => {
          if (e.type !== "MODIFIED") return;
          const now = performance.now();
          const name = e.object.metadata?.name;
          const statuses = (e.object.status as { containerStatuses?: { restartCount?: number }[] })
            ?.containerStatuses;
          if (name && (statuses?.[0]?.restartCount ?? 0) > 0) times.seen(name, "floor", now);
        },
        onEnd("pod"),
      ),
      api.watch(
        diagPath,
        await api.currentResourceVersion(diagPath),
        (e) => {
          if (e.type !== "ADDED") return;
          const now = performance.now();
          const pod = podOfTriggeredDiagnosis(e.object.metadata?.name ?? "");
          if (pod) times.seen(pod, "diagnosis", now);
        },
        onEnd("diagnosis"),
      ),
      api.watch(
        jobsPath,
        await api.currentResourceVersion(jobsPath),
        (e) => {
          if (e.type !== "ADDED") return;
          const now = performance.now();
          const diag = e.object.metadata?.labels?.[DIAGNOSIS_NAME_LABEL];
          const pod = diag ? podOfTriggeredDiagnosis(diag) : undefined;
          if (pod) times.seen(pod, "job", now);
        },
        onEnd("job"),
      ),
    );
    await Promise.all(watches.map((w) => w.established));

    let done = 0;
    for (const pod of opts.pods) {
      opts.signal?.throwIfAborted();
      if (watchFailure) throw watchFailure;
      const patch = oomRestartStatusPatch(pod, 1, new Date());
      const sentAt = performance.now();
      times.sent(pod, sentAt);
      await api.request("PATCH", `${podsPath}/${pod}/status`, patch, {
        contentType: "application/merge-patch+json",
      });
      await times.waitFor(pod, ["floor", "diagnosis", "job"], opts.perEventTimeoutMs);
      done++;
      const d = times.latencies("diagnosis");
      const j = times.latencies("job");
      opts.onProgress(done, { diagnosisMs: d.values.at(-1), jobMs: j.values.at(-1) });
    }
  } finally {
    for (const w of watches) w.stop();
  }
  const d = times.latencies("diagnosis");
  const j = times.latencies("job");
  const f = times.latencies("floor");
  return {
    diagnosis: summarizeLatencies(d.values),
    job: summarizeLatencies(j.values),
    floor: summarizeLatencies(f.values),
    diagnosisShare: summarizeLatencies(times.share("diagnosis", "floor")),
    jobShare: summarizeLatencies(times.share("job", "floor")),
    missedDiagnoses: d.missed,
    missedJobs: j.missed,
    missedFloor: f.missed,
  };
}
