/**
 * `npm run bench`: reaction latency and operator memory at 1,000 and 10,000 pods (and with 2,000
 * finished Diagnoses of large statuses on top), a restart burst, collector cost per check against
 * the manual commands, and the flame graph pipeline (whole processes, next to inferno and
 * flamegraph.pl with --only peers).
 * The Kubernetes parts run against the real local control plane (test/support/controlPlane.ts)
 * with the operator as a real child process. Progress goes to stderr, the table to stdout, the
 * results to --json FILE. Everything it makes is removed at the end, on failure too.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chartNodeOptions, chartProcessEnv } from "../support/chartOperatorValues.js";
import { pinnedKubernetesVersion } from "../support/controlPlane.js";
import { createFinishedDiagnoses } from "../support/finishedDiagnoses.js";
import { killOperators } from "../support/operatorProcess.js";
import { type BenchName, type BenchPlan, benchPlan, parseBenchArgs } from "./benchArgs.js";
import {
  type BenchCluster,
  countPods,
  createNamespace,
  createNodes,
  createPods,
  DIAGNOSES,
  OPERATOR_NAMESPACE,
  startBenchCluster,
} from "./benchCluster.js";
import { BenchOperator, type BenchOperatorCode } from "./benchOperator.js";
import type {
  BenchResults,
  BurstResult,
  FinishedDiagnosesMemoryResult,
  MemoryResult,
  ReactionResult,
} from "./benchResults.js";
import { renderBenchResults, withGrowthPerPod } from "./benchResults.js";
import { runBurst } from "./burstBench.js";
import { burstPods } from "./burstPlan.js";
import { benchCollectorChecks, cleanUpCollectorTargets } from "./collectorBench.js";
import { setUpPeers } from "./flameGraphPeers.js";
import { benchFlamegraph } from "./flamegraph.js";
import { issueTargets } from "./issueTargets.js";
import { buildOperator, type OperatorBuild } from "./operatorBuild.js";
import { type Progress, progressLogger } from "./progress.js";
import { runReactionEvents } from "./reactionBench.js";
import { ratio } from "./stats.js";

const PODS_NAMESPACE = "bench";
const BURST_NAMESPACE = "bench-burst";
const REACTION_NODE = "bench-node-0";
/** Caps high enough that no reaction event's Job waits for a slot (no collector ever finishes). */
/**
 * The reaction rounds make one Diagnosis per event and none finishes (no kubelet): without these
 * the per-namespace cap (20 open) fails the 21st at once and no Job follows.
 */
const UNCAPPED = [
  "--max-jobs=1000000",
  "--max-jobs-per-node=1000000",
  "--max-open-per-namespace=1000000",
];
const BURST_CAPS = { maxJobs: 10, maxJobsPerNode: 1 };

/** Aborted by SIGINT/SIGTERM/SIGHUP: every stage stops at its next step and cleans up. */
const interrupt = new AbortController();
const signal = interrupt.signal;

function podName(i: number): string {
  return `p-${String(i).padStart(5, "0")}`;
}

/** How every operator of this run starts: compiled or from source, NODE_OPTIONS. */
interface OperatorLaunch {
  code: BenchOperatorCode;
  nodeOptions: string | undefined;
}

interface KubeBenchOutput {
  reaction: ReactionResult[];
  memory: MemoryResult[];
  finishedDiagnosesMemory?: FinishedDiagnosesMemoryResult;
  burst?: BurstResult;
}

async function startOperator(
  launch: OperatorLaunch,
  cluster: BenchCluster,
  logDir: string,
  label: string,
  args: string[],
  say: Progress,
): Promise<BenchOperator> {
  const logPath = join(logDir, `operator-${label}.log`);
  const op = await BenchOperator.start({
    kubeconfigPath: cluster.cp.kubeconfigPath,
    namespace: OPERATOR_NAMESPACE,
    logPath,
    args: ["--log-level=warn", ...args],
    code: launch.code,
    ...(launch.nodeOptions !== undefined ? { nodeOptions: launch.nodeOptions } : {}),
    env: chartProcessEnv(),
  });
  const ms = await op.process.waitReadyAndLeader(120_000);
  say(
    "operator",
    `pid ${op.process.pid} ready and leader in ${(ms / 1000).toFixed(1)}s (log ${logPath})`,
  );
  return op;
}

async function runKubeBenches(
  launch: OperatorLaunch,
  plan: BenchPlan,
  only: ReadonlySet<BenchName>,
  say: Progress,
  errors: BenchResults["errors"],
  notes: string[],
): Promise<KubeBenchOutput> {
  const out: KubeBenchOutput = { reaction: [], memory: [] };
  const logDir = mkdtempSync(join(tmpdir(), "diagnose-bench-logs-"));
  let keepLogs = process.env.BENCH_KEEP_LOGS === "1";
  say("cluster", "starting etcd + kube-apiserver + kube-controller-manager");
  const cluster = await startBenchCluster();
  let operator: BenchOperator | undefined;
  try {
    say("cluster", `ready at ${cluster.cp.server} in ${(cluster.cp.startupMs / 1000).toFixed(1)}s`);
    const { api } = cluster;
    await createNamespace(api, PODS_NAMESPACE);
    await createNodes(api, [REACTION_NODE]);

    if (only.has("burst")) {
      try {
        out.burst = await burstStage(launch, cluster, plan, logDir, say);
        signal.throwIfAborted();
      } catch (err) {
        errors.burst = String((err as Error).message ?? err);
        keepLogs = true;
        say("burst", `FAILED: ${errors.burst}`);
      }
    }

    // A round with no bench pods gives the operator's fixed cost (node, code, runtime).
    const sizes = [
      ...(only.has("memory") ? [0] : []),
      ...(only.has("reaction") || only.has("memory") ? plan.podCounts : []),
    ];
    let created = 0;
    let firstUnused = 0;
    for (const size of sizes) {
      const t0 = performance.now();
      const pods = Array.from({ length: size - created }, (_, k) => ({
        name: podName(created + k),
        node: REACTION_NODE,
      }));
      // The previous round's operator would only slow the creation down.
      await operator?.process.stop();
      operator = undefined;
      if (pods.length > 0)
        say("pods", `creating ${pods.length} pods (32 in flight) to reach ${size}`);
      signal.throwIfAborted();
      await createPods(api, PODS_NAMESPACE, pods, {
        signal,
        concurrency: 32,
        firstIndex: created,
        onProgress: (n) => {
          if (n % 1000 === 0 || n === pods.length)
            say(
              "pods",
              `${created + n}/${size} (${Math.round(n / ((performance.now() - t0) / 1000))}/s)`,
            );
        },
      });
      const roundFirst = created;
      created = size;
      firstUnused = Math.max(firstUnused, roundFirst);

      operator = await startOperator(launch, cluster, logDir, `${size}`, UNCAPPED, say);
      // Let the first list's garbage go and the informers settle before sampling memory.
      await sleep(2000);
      const podsInCluster = await countPods(api);
      if (only.has("memory")) {
        const rssBytes = await operator.process.rssBytes();
        const probe = await operator.probe(true).catch(() => undefined);
        out.memory.push({
          pods: size,
          podsInCluster,
          rssBytes,
          heapUsedBytes: probe?.heapUsedBytes ?? null,
          heapTotalBytes: probe?.heapTotalBytes ?? null,
          bytesPerPod: null,
          heapBytesPerPod: null,
        });
        say(
          "memory",
          `${size} pods: RSS ${(rssBytes / 2 ** 20).toFixed(1)} MiB, heap ${probe ? (probe.heapUsedBytes / 2 ** 20).toFixed(1) : "?"} MiB`,
        );
      }
      if (only.has("reaction") && size > 0) {
        const names = Array.from({ length: plan.reactionEvents }, (_, k) =>
          podName(firstUnused + k),
        );
        firstUnused += plan.reactionEvents;
        say("reaction", `${names.length} sequential OOM restarts at ${size} pods`);
        const run = await runReactionEvents({
          signal,
          api,
          namespace: PODS_NAMESPACE,
          pods: names,
          perEventTimeoutMs: 10_000,
          onProgress: (done, last) => {
            if (done % 25 === 0 || done === names.length)
              say(
                "reaction",
                `${done}/${names.length} events (last: diagnosis ${last.diagnosisMs?.toFixed(0) ?? "-"} ms, job ${last.jobMs?.toFixed(0) ?? "-"} ms)`,
              );
          },
        });
        out.reaction.push({
          pods: size,
          podsInCluster,
          events: names.length,
          p50Ms: run.diagnosis.p50Ms,
          p95Ms: run.diagnosis.p95Ms,
          p99Ms: run.diagnosis.p99Ms,
          floorP50Ms: run.floor.p50Ms,
          floorP95Ms: run.floor.p95Ms,
          floorP99Ms: run.floor.p99Ms,
          ratioP50: ratio(run.diagnosis.p50Ms, run.floor.p50Ms),
          ratioP99: ratio(run.diagnosis.p99Ms, run.floor.p99Ms),
          jobP50Ms: run.job.p50Ms,
          jobP95Ms: run.job.p95Ms,
          jobP99Ms: run.job.p99Ms,
          jobRatioP50: ratio(run.job.p50Ms, run.floor.p50Ms),
          ownP50Ms: run.diagnosisShare.p50Ms,
          ownP99Ms: run.diagnosisShare.p99Ms,
          jobOwnP50Ms: run.jobShare.p50Ms,
          jobOwnP99Ms: run.jobShare.p99Ms,
          missedDiagnoses: run.missedDiagnoses,
          missedJobs: run.missedJobs,
        });
        if (run.missedFloor > 0)
          notes.push(
            `reaction at ${size} pods: ${run.missedFloor} pod updates never reached the bare watch`,
          );
      }
    }
    out.memory = withGrowthPerPod(out.memory);

    // Last, so the pod rounds' growth per pod stays free of them: finished Diagnoses with large
    // statuses, which the operator caches without report and findings (issue #13).
    if (only.has("memory") && plan.finishedDiagnoses > 0) {
      await operator?.process.stop();
      operator = undefined;
      const t0 = performance.now();
      say("diagnoses", `creating ${plan.finishedDiagnoses} finished Diagnoses with large statuses`);
      const { statusBytes } = await createFinishedDiagnoses(cluster.cp.kubeConfig, {
        count: plan.finishedDiagnoses,
        namespaces: 20,
        prefix: "bench-tenant",
        concurrency: 32,
        onProgress: (n) => {
          if (n % 500 === 0) say("diagnoses", `${n}/${plan.finishedDiagnoses}`);
        },
      });
      say(
        "diagnoses",
        `${(statusBytes / 2 ** 20).toFixed(0)} MiB of status in ${((performance.now() - t0) / 1000).toFixed(0)}s`,
      );
      operator = await startOperator(launch, cluster, logDir, "diagnoses", UNCAPPED, say);
      await sleep(2000);
      const rssBytes = await operator.process.rssBytes();
      const peakRssBytes = await operator.process.peakRssBytes();
      const probe = await operator.probe(true).catch(() => undefined);
      const last = out.memory.at(-1);
      out.finishedDiagnosesMemory = {
        diagnoses: plan.finishedDiagnoses,
        statusBytes,
        podsInCluster: await countPods(api),
        rssBytes,
        peakRssBytes,
        addedRssBytes: last ? rssBytes - last.rssBytes : null,
        heapUsedBytes: probe?.heapUsedBytes ?? null,
      };
      say(
        "memory",
        `${plan.finishedDiagnoses} finished Diagnoses: RSS ${(rssBytes / 2 ** 20).toFixed(1)} MiB, peak ${(peakRssBytes / 2 ** 20).toFixed(1)} MiB`,
      );
    }
  } catch (err) {
    keepLogs = true;
    throw err;
  } finally {
    await operator?.process.stop();
    await cluster.stop();
    say("cluster", "stopped");
    if (keepLogs) say("logs", `operator logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
  return out;
}

async function burstStage(
  launch: OperatorLaunch,
  cluster: BenchCluster,
  plan: BenchPlan,
  logDir: string,
  say: Progress,
): Promise<BurstResult> {
  const { api } = cluster;
  const { restarts, workloads, windowSeconds, nodes: nodeCount } = plan.burst;
  const nodes = Array.from({ length: nodeCount }, (_, i) => `bench-burst-node-${i}`);
  await createNamespace(api, BURST_NAMESPACE);
  await createNodes(api, nodes);
  const pods = burstPods({ restarts, workloads, nodes });
  say(
    "burst",
    `creating ${pods.length} ReplicaSet pods of ${workloads} Deployments on ${nodeCount} nodes`,
  );
  await createPods(api, BURST_NAMESPACE, pods, { concurrency: 32, firstIndex: 60_000, signal });
  const podsInCluster = await countPods(api);
  const operator = await startOperator(
    launch,
    cluster,
    logDir,
    "burst",
    [`--max-jobs=${BURST_CAPS.maxJobs}`, `--max-jobs-per-node=${BURST_CAPS.maxJobsPerNode}`],
    say,
  );
  try {
    say(
      "burst",
      `${restarts} OOM restarts across ${workloads} workloads within ${windowSeconds}s (${podsInCluster} pods in the cluster)`,
    );
    const run = await runBurst({
      signal,
      api,
      operator,
      namespace: BURST_NAMESPACE,
      pods,
      windowSeconds,
      expectedJobs: (d) => Math.min(d, BURST_CAPS.maxJobs, BURST_CAPS.maxJobsPerNode * nodeCount),
      deadlineSeconds: 120,
      onProgress: (line) => say("burst", line),
    });
    say(
      "burst",
      `accounted ${run.accounted}/${restarts} in ${run.seconds}s; ${run.diagnoses} diagnoses, ${run.jobs} jobs, ${run.apiRequests ?? "?"} API requests`,
    );
    return {
      restarts,
      workloads,
      accounted: run.accounted,
      lost: restarts - run.accounted,
      diagnoses: run.diagnoses,
      jobs: run.jobs,
      maxJobs: BURST_CAPS.maxJobs,
      maxJobsPerNode: BURST_CAPS.maxJobsPerNode,
      nodes: nodeCount,
      apiRequests: run.apiRequests,
      apiRequestsBy: run.apiRequestsBy,
      reconciles: run.reconciles,
      writes: run.writes,
      events: run.events,
      sendSeconds: run.sendSeconds,
      seconds: run.seconds,
      complete: run.complete,
    };
  } finally {
    await cleanUpBurst(cluster, operator, say);
  }
}

/**
 * Removes the burst's Diagnoses (the still-running burst operator deletes their Jobs as their
 * finalizer asks) and pods (force: no kubelet will confirm), so the reaction rounds start clean.
 */
async function cleanUpBurst(
  cluster: BenchCluster,
  operator: BenchOperator,
  say: Progress,
): Promise<void> {
  const { api } = cluster;
  try {
    await api.request("DELETE", `${DIAGNOSES}/namespaces/${BURST_NAMESPACE}/diagnoses`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const left = await api.request<{ items: unknown[] }>(
        "GET",
        `${DIAGNOSES}/namespaces/${BURST_NAMESPACE}/diagnoses`,
      );
      if (left.items.length === 0) break;
      if (Date.now() > deadline) {
        say("burst", `cleanup: ${left.items.length} diagnoses still finalizing; going on`);
        break;
      }
      await sleep(250);
    }
    await api.request("DELETE", `/api/v1/namespaces/${BURST_NAMESPACE}/pods`, undefined, {
      query: { gracePeriodSeconds: "0" },
    });
  } finally {
    await operator.process.stop();
  }
}

async function main(): Promise<number> {
  const parsed = parseBenchArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    process.stdout.write(parsed.text);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`bench: ${parsed.message}\n`);
    return 2;
  }
  const { options } = parsed;
  const plan = benchPlan(options.quick);
  const say = progressLogger();
  const started = performance.now();
  const results: BenchResults = {
    meta: {
      startedAt: new Date().toISOString(),
      quick: options.quick,
      host: { cpus: cpus().length, kernel: release(), node: process.version },
      notes: [],
    },
    errors: {},
  };
  const only = options.only;
  say("bench", `${options.quick ? "quick" : "full"} run: ${[...only].join(", ")}`);

  if (only.has("reaction") || only.has("memory") || only.has("burst")) {
    results.meta.kubernetes = pinnedKubernetesVersion();
    // By default the operator runs with the V8 sizing the chart gives it.
    const nodeOptions = options.operatorNodeOptions ?? chartNodeOptions();
    results.meta.notes.push(
      options.operatorFromSource
        ? "operator: from source, `node --import tsx operator/controller/main.ts` (tsx's in-memory transpiler is in its RSS), plus the bench probe (test/bench/operatorProbe.ts: request counts through diagnostics channels, heap after a forced GC)"
        : options.operatorTsc
          ? "operator: tsc's per-file output (tsc -p tsconfig.build.json; `node operator/controller/main.js`), not the shipped bundle, plus the bench probe bundled to JS (test/bench/operatorProbe.ts: request counts through diagnostics channels, heap after a forced GC)"
          : "operator: the minified esbuild bundle the image ships (hack/bundle-operator.ts; `node diagnose-operator.mjs`), plus the bench probe bundled to JS (test/bench/operatorProbe.ts: request counts through diagnostics channels, heap after a forced GC)",
      `operator NODE_OPTIONS: ${nodeOptions || "(empty)"}${options.operatorNodeOptions === undefined ? " (the chart's default)" : ""}`,
      `operator environment from the chart: ${
        Object.entries(chartProcessEnv())
          .map(([k, v]) => `${k}=${v}`)
          .join(" ") || "(none)"
      }`,
      "API requests: every HTTP request the operator process sent to the apiserver during the burst (lease renewals and requeues included), counted in the process",
    );
    let build: OperatorBuild | undefined;
    try {
      let code: BenchOperatorCode = { kind: "source" };
      if (!options.operatorFromSource) {
        say(
          "operator",
          options.operatorTsc
            ? "compiling (tsc -p tsconfig.build.json) and bundling the probe"
            : "bundling the operator (hack/bundle-operator.ts) and the probe",
        );
        build = await buildOperator(options.operatorTsc ? "tsc" : "bundle");
        code = { kind: "compiled", mainJs: build.mainJs, probeJs: build.probeJs };
      }
      const launch = { code, nodeOptions };
      const kube = await runKubeBenches(
        launch,
        plan,
        only,
        say,
        results.errors,
        results.meta.notes,
      );
      if (only.has("reaction")) results.reaction = kube.reaction;
      if (only.has("memory")) results.memory = kube.memory;
      if (kube.finishedDiagnosesMemory)
        results.finishedDiagnosesMemory = kube.finishedDiagnosesMemory;
      if (kube.burst) results.burst = kube.burst;
    } catch (err) {
      const message = String((err as Error).message ?? err);
      say("kube", `FAILED: ${message}`);
      for (const n of ["reaction", "memory", "burst"] as const)
        if (only.has(n) && !results[n] && !results.errors[n]) results.errors[n] = message;
    } finally {
      build?.remove();
    }
  }

  if (only.has("collector") && !signal.aborted) {
    say("collector", `each check ${plan.collectorRuns}x, sampling ${plan.sampleSeconds}s`);
    try {
      const c = await benchCollectorChecks({
        signal,
        runs: plan.collectorRuns,
        sampleSeconds: plan.sampleSeconds,
        onProgress: (line) => say("collector", line),
      });
      results.collector = c.results;
      results.meta.notes.push(...c.notes);
    } catch (err) {
      results.errors.collector = String((err as Error).message ?? err);
    }
  }

  if ((only.has("flamegraph") || only.has("peers")) && !signal.aborted) {
    const work = mkdtempSync(join(tmpdir(), "diagnose-bench-flamegraph-"));
    try {
      const peers = only.has("peers")
        ? await setUpPeers((line) => say("peers", line), signal)
        : undefined;
      for (const s of peers?.skipped ?? []) say("peers", `not run: ${s.name}: ${s.reason}`);
      say(
        "flamegraph",
        `${plan.flamegraph.samples} samples, ${plan.flamegraph.runs} run(s) of each tool after one not counted`,
      );
      const f = await benchFlamegraph({
        ...plan.flamegraph,
        workDir: work,
        peers,
        say: (line) => say("flamegraph", line),
        signal,
      });
      // The project's path is the peers' point of comparison: reported with them too.
      results.flamegraph = f.flamegraph;
      if (f.peers) results.peers = f.peers;
    } catch (err) {
      const message = String((err as Error).message ?? err);
      say("flamegraph", `FAILED: ${message}`);
      if (only.has("flamegraph")) results.errors.flamegraph = message;
      if (only.has("peers")) results.errors.peers = message;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  results.targets = issueTargets(results);
  results.meta.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  process.stdout.write(`\n${renderBenchResults(results)}`);
  if (options.jsonPath) {
    writeFileSync(options.jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    say("bench", `results written to ${options.jsonPath}`);
  }
  say("bench", `done in ${results.meta.totalSeconds}s`);
  if (signal.aborted) return 130;
  return Object.keys(results.errors).length > 0 ? 1 : 0;
}

/**
 * Ctrl-C or a kill: stop the operators now, abort the stages (each cleans up what it made on its
 * way out: control plane, cgroups, namespaces), print what was measured. The control plane's own
 * signal hook stops it at once and re-raises the signal, which lands here again and is ignored.
 */
for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(name, () => {
    if (signal.aborted) return;
    process.stderr.write(`bench: ${name}: stopping and cleaning up\n`);
    interrupt.abort(new Error(`interrupted by ${name}`));
    killOperators();
    // If a stage hangs anyway, remove the collector targets and leave.
    setTimeout(() => {
      cleanUpCollectorTargets().finally(() => process.exit(130));
    }, 60_000).unref();
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
