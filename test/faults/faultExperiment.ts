/**
 * One fault experiment: fresh operator replicas behind the fault proxy, the workload's 200 OOM
 * restarts over 10 s, a fault injected 5 s in, then what the Diagnoses account for: every restart
 * exactly once (the sum of restartsObserved equals the restarts sent, each pod's last restart
 * recorded), one Diagnosis per workload, at most one Job per Diagnosis, the Job caps held
 * throughout, "collector job created" logged once per Job, and how long after the fault (and the
 * last restart) the accounting was complete.
 */
import { readFileSync } from "node:fs";
import { PatchStrategy, setHeaderOptions, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import {
  DIAGNOSIS_NAMESPACE_LABEL,
  DIAGNOSIS_UID_LABEL,
} from "../../operator/api/v1alpha1/wellKnown.js";
import type { ControlPlaneProcess } from "../support/controlPlaneProcess.js";
import type { FaultProxy } from "../support/faultProxy.js";
import { OPERATOR_NAMESPACE } from "../support/operatorHarness.js";
import { SupervisedOperator } from "../support/supervisedOperator.js";
import { sleep } from "../support/waitFor.js";
import {
  type Accounting,
  accounting,
  type RestartOrder,
  restartSchedule,
  retrying,
  sendRestarts,
  type TestApi,
} from "./restartWorkload.js";

export const MAX_JOBS = 10;
export const MAX_JOBS_PER_NODE = 1;
const BURST_MS = 10_000;
const FAULT_AT_MS = 5000;

export interface FaultContext {
  proxy: FaultProxy;
  apiserver: ControlPlaneProcess;
  etcd: ControlPlaneProcess;
  operators: SupervisedOperator[];
  /** The replica that leads now, by its /metrics. */
  leader(): Promise<SupervisedOperator | undefined>;
  /** Until the apiserver answers again (after an apiserver or etcd fault). */
  apiserverBack(): Promise<void>;
}

export interface Experiment {
  name: string;
  /** Operator replicas (default 1). */
  replicas?: number;
  /** How each pod's two restarts are spread (default "pairs"). */
  order?: RestartOrder;
  /** Breaks something 5 s into the burst; resolves when the fault is over. */
  fault(ctx: FaultContext): Promise<void>;
  /** Everything accounted within this long after the fault ended and the last restart was sent. */
  recoverySeconds: number;
}

export interface ExperimentResult {
  name: string;
  sent: number;
  accounted: number;
  /** Restarts missing from the accounting (negative: counted more than once). */
  lost: number;
  podsWithoutLastRestart: number;
  duplicateDiagnoses: number;
  duplicateJobs: number;
  jobs: number;
  /** "collector job created" lines in the operators' logs, for this experiment's Jobs. */
  jobCreatedLogs: number;
  /** Jobs logged as created more than once. */
  jobsCreatedTwice: number;
  maxActiveJobs: number;
  maxJobsPerNode: number;
  /** Seconds from the fault's end (or the last restart sent, if later) to complete accounting. */
  recoverySeconds: number | null;
  boundSeconds: number;
  /** Until the replicas were up, leading and synced. */
  readySeconds: number;
  seconds: number;
  operatorExits: string[];
}

export interface Lab {
  api: TestApi;
  proxy: FaultProxy;
  apiserver: ControlPlaneProcess;
  etcd: ControlPlaneProcess;
  /** Restarted when it died (it exits when the apiserver goes away). */
  controllerManager: ControlPlaneProcess;
  /** The operator's kubeconfig: through the proxy. */
  proxiedKubeconfig: string;
  /** The operator bundle the replicas run. */
  operatorScript: string;
  logDir: string;
  /** DIAGNOSE_* environment of every replica. */
  operatorEnv: Record<string, string>;
}

function logLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n");
  } catch {
    return [];
  }
}

function active(j: V1Job): boolean {
  return !(j.status?.conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

/** Samples the collector Jobs until stopped: the most active at once, overall and per node. */
function sampleJobs(lab: Lab): { stop(): Promise<{ maxActive: number; maxPerNode: number }> } {
  let running = true;
  let maxActive = 0;
  let maxPerNode = 0;
  const loop = (async () => {
    while (running) {
      try {
        const jobs = (await lab.api.batch.listNamespacedJob({ namespace: OPERATOR_NAMESPACE }))
          .items;
        const now = jobs.filter(active);
        maxActive = Math.max(maxActive, now.length);
        const perNode = new Map<string, number>();
        for (const j of now) {
          const n = j.spec?.template.spec?.nodeName ?? "";
          perNode.set(n, (perNode.get(n) ?? 0) + 1);
        }
        maxPerNode = Math.max(maxPerNode, ...perNode.values(), 0);
      } catch {
        // The apiserver is down: nothing to sample.
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { maxActive, maxPerNode };
    },
  };
}

export async function runExperiment(
  lab: Lab,
  exp: Experiment,
  index: number,
  namespace: string,
  pods: readonly V1Pod[],
): Promise<ExperimentResult> {
  const t0 = Date.now();
  const replicas = exp.replicas ?? 1;
  const operators: SupervisedOperator[] = [];
  for (let r = 0; r < replicas; r++)
    operators.push(
      await SupervisedOperator.start({
        kubeconfigPath: lab.proxiedKubeconfig,
        namespace: OPERATOR_NAMESPACE,
        code: { kind: "compiled", mainJs: lab.operatorScript },
        identity: `op-${index}-${r}`,
        env: { ...lab.operatorEnv, DIAGNOSE_LEASE_NAME: `faults-${index}` },
        logPath: `${lab.logDir}/${index}-op-${r}.log`,
        restartDelayMs: 1000,
      }),
    );
  const ctx: FaultContext = {
    proxy: lab.proxy,
    apiserver: lab.apiserver,
    etcd: lab.etcd,
    operators,
    async leader() {
      for (const op of operators) if (await op.isLeader()) return op;
      return undefined;
    },
    async apiserverBack() {
      await retrying("the apiserver back", 60_000, () => lab.api.core.listNamespace({ limit: 1 }));
      lab.controllerManager.ensureRunning();
    },
  };
  try {
    await retrying("a replica leading", 90_000, async () => {
      if (!(await ctx.leader())) throw new Error("none leads yet");
    });
    // Every replica synced (a standby too): the fault then meets a steady state.
    for (const op of operators)
      await retrying(`${op.identity} ready`, 60_000, async () => {
        const ready = await op.get("/readyz");
        if (!ready?.includes("leader:") || ready.includes("not synced"))
          throw new Error(`not ready: ${ready}`);
      });
    const readySeconds = (Date.now() - t0) / 1000;
    const jobs = sampleJobs(lab);
    const sent = pods.length * 2;
    const started = Date.now() + 200;
    const sending = sendRestarts(
      lab.api,
      namespace,
      restartSchedule(pods, BURST_MS, exp.order ?? "pairs"),
      started,
      120_000,
    );
    await sleep(started + FAULT_AT_MS - Date.now());
    await exp.fault(ctx);
    const faultEnd = Date.now();
    const lastSent = await sending;
    const from = Math.max(faultEnd, lastSent);

    // Until everything is accounted (or counted twice), for the bound and then some, to say how
    // long it took when it took too long.
    const deadline = from + (exp.recoverySeconds + 30) * 1000;
    let acc: Accounting | undefined;
    let accountedAt: number | undefined;
    while (Date.now() < deadline) {
      try {
        acc = accounting(await lab.api.diagnoses(namespace));
      } catch {
        await sleep(250);
        continue;
      }
      const complete =
        acc.accounted >= sent && pods.every((p) => acc!.lastRecorded.get(p.metadata!.name!) === 2);
      if (acc.accounted > sent) break;
      if (complete) {
        accountedAt ??= Date.now();
        // A late second count (a takeover replaying its own baseline) shows within seconds.
        if (Date.now() - accountedAt > 2000) break;
      } else accountedAt = undefined;
      await sleep(250);
    }
    const { maxActive, maxPerNode } = await jobs.stop();
    const final = acc ?? accounting(await lab.api.diagnoses(namespace));
    const ours = (
      await lab.api.batch.listNamespacedJob({
        namespace: OPERATOR_NAMESPACE,
        labelSelector: `${DIAGNOSIS_NAMESPACE_LABEL}=${namespace}`,
      })
    ).items;
    const perDiagnosis = new Map<string, number>();
    for (const j of ours) {
      const uid = j.metadata?.labels?.[DIAGNOSIS_UID_LABEL] ?? "";
      perDiagnosis.set(uid, (perDiagnosis.get(uid) ?? 0) + 1);
    }
    const created = operators
      .flatMap((_, r) => logLines(`${lab.logDir}/${index}-op-${r}.log`))
      .filter((l) => l.includes('"collector job created"') && l.includes(`"${namespace}/`))
      .map((l) => (JSON.parse(l) as { job?: string }).job ?? "");
    const jobCreatedLogs = created.length;
    const jobsCreatedTwice = created.length - new Set(created).size;
    return {
      name: exp.name,
      sent,
      accounted: final.accounted,
      lost: sent - final.accounted,
      podsWithoutLastRestart: pods.filter((p) => final.lastRecorded.get(p.metadata!.name!) !== 2)
        .length,
      duplicateDiagnoses: [...final.perWorkload.values()].reduce((n, c) => n + c - 1, 0),
      duplicateJobs: [...perDiagnosis.values()].reduce((n, c) => n + c - 1, 0),
      jobs: ours.length,
      jobCreatedLogs,
      jobsCreatedTwice,
      maxActiveJobs: maxActive,
      maxJobsPerNode: maxPerNode,
      recoverySeconds:
        accountedAt !== undefined && final.accounted === sent
          ? Math.max(0, (accountedAt - from) / 1000)
          : null,
      boundSeconds: exp.recoverySeconds,
      readySeconds,
      seconds: (Date.now() - t0) / 1000,
      operatorExits: operators.flatMap((op) => op.exits.map((e) => `${op.identity}:${e}`)),
    };
  } finally {
    await Promise.all(operators.map((op) => op.stop()));
    await cleanUp(lab, namespace);
  }
}

/** With the operators stopped: the experiment's Diagnoses (finalizers dropped) and every Job. */
async function cleanUp(lab: Lab, namespace: string): Promise<void> {
  const { api } = lab;
  await retrying("cleanup", 60_000, async () => {
    for (const d of await api.diagnoses(namespace)) {
      if (d.metadata.finalizers?.length)
        await api.custom
          .patchNamespacedCustomObject(
            {
              group: GROUP,
              version: VERSION,
              namespace,
              plural: PLURAL,
              name: d.metadata.name!,
              body: { metadata: { finalizers: null } },
            },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          )
          .catch(() => undefined);
    }
    await api.custom.deleteCollectionNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
    });
    await api.batch.deleteCollectionNamespacedJob({
      namespace: OPERATOR_NAMESPACE,
      propagationPolicy: "Background",
    });
    await api.core.deleteNamespace({ name: namespace });
  });
  // No kubelet confirms a pod's deletion: remove them now, so no later experiment's operator
  // sees them (or their namespace, terminating).
  await retrying("the experiment's pods gone", 60_000, async () => {
    await api.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
    const left = (await api.core.listNamespacedPod({ namespace })).items;
    if (left.length > 0) throw new Error(`${left.length} pods left`);
  });
  await retrying("collector Jobs gone", 60_000, async () => {
    const left = (await api.batch.listNamespacedJob({ namespace: OPERATOR_NAMESPACE })).items;
    if (left.length > 0) throw new Error(`${left.length} Jobs left`);
  });
}
