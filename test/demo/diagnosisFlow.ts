/**
 * A Diagnosis from creation to findings, narrated: the operator's collector Job, its pod played
 * by the kubelet stand-in against the real fault, the status the operator writes back; then the
 * API server's table for `kubectl get diag` (diagTable.ts) and what `kubectl diagnose get` prints
 * (the plugin itself, in-process).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { type Diagnosis, GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import { kubernetesDiagnosisClient } from "../../operator/cli/diagnosisClient.js";
import { describeChanges, isFinished } from "../../operator/cli/progress.js";
import { runCli } from "../../operator/cli/runCli.js";
import { OPERATOR_NAMESPACE } from "../support/operatorHarness.js";
import { tailLines } from "../support/runCommand.js";
import type { CleanupStack } from "./cleanupStack.js";
import type { DemoCluster } from "./demoCluster.js";
import { fetchDiagnosisTable, renderMetaTable } from "./diagTable.js";
import type { Progress } from "./progress.js";
import { waitUntil } from "./waitUntil.js";

export interface DemoContext extends DemoCluster {
  progress: Progress;
  cleanup: CleanupStack;
  signal: AbortSignal;
  color: boolean;
}

export async function getDiagnosis(ctx: DemoContext, name: string): Promise<Diagnosis | undefined> {
  try {
    return (await ctx.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: ctx.namespace,
      name,
    })) as Diagnosis;
  } catch {
    return undefined;
  }
}

/** Polls the Diagnosis until `done` holds, printing each phase/condition change as it shows. */
async function narrateUntil(
  ctx: DemoContext,
  name: string,
  what: string,
  timeoutMs: number,
  done: (d: Diagnosis) => boolean,
  seen: { last: Diagnosis | undefined },
): Promise<Diagnosis> {
  return waitUntil(
    ctx.signal,
    what,
    timeoutMs,
    async () => {
      ctx.operator.assertRunning();
      const d = await getDiagnosis(ctx, name);
      if (!d) return undefined;
      for (const line of describeChanges(seen.last, d)) ctx.progress.info(`  ${name}: ${line}`);
      seen.last = d;
      return done(d) ? d : undefined;
    },
    200,
  );
}

/** Follows the Diagnosis through its collector Job (the stand-in plays the pod) to the end. */
export async function runDiagnosisToEnd(ctx: DemoContext, name: string): Promise<Diagnosis> {
  const seen = { last: undefined as Diagnosis | undefined };
  const withJob = await narrateUntil(
    ctx,
    name,
    `the operator to create the collector Job of ${name}`,
    60_000,
    (d) => Boolean(d.status?.jobName) || isFinished(d),
    seen,
  );
  if (isFinished(withJob)) return withJob;
  const job = withJob.status!.jobName!;
  const pod = await waitUntil<V1Pod>(
    ctx.signal,
    `the Job controller to create the pod of Job ${job}`,
    60_000,
    async () => {
      const pods = await ctx.core.listNamespacedPod({
        namespace: OPERATOR_NAMESPACE,
        labelSelector: `batch.kubernetes.io/job-name=${job}`,
      });
      return pods.items[0];
    },
  );
  const c = pod.spec!.containers[0]!;
  ctx.progress.info(
    `Job ${OPERATOR_NAMESPACE}/${job} -> pod ${pod.metadata!.name} on node ${pod.spec!.nodeName} (hostPID ${pod.spec!.hostPID}, capabilities ${c.securityContext?.capabilities?.add?.join(",") || "none"})`,
  );
  ctx.progress.info(`  command: ${[...(c.command ?? []), ...(c.args ?? [])].join(" ")}`);
  ctx.progress.info(
    "kubelet stand-in: running that command on this machine (collector progress below)",
  );
  const run = await ctx.kubelet.runCollectorPod(pod, {
    timeoutMs: 120_000,
    abort: ctx.signal,
    onStderrLine: (line) => ctx.progress.info(`  | ${line}`),
  });
  ctx.signal.throwIfAborted();
  ctx.progress.info(
    `collector exited ${run.exitCode} after ${(run.wallMs / 1000).toFixed(1)}s; termination message ${Buffer.byteLength(run.terminationMessage)} bytes; pod status published, log served for pods/log`,
  );
  if (run.exitCode !== 0)
    ctx.progress.info(`collector stderr (last lines):\n${tailLines(run.stderr, 10)}`);
  return narrateUntil(ctx, name, `${name} to finish`, 60_000, isFinished, seen);
}

/** What `kubectl get diag -n <ns>` and `kubectl diagnose get <name> -n <ns>` print now. */
export async function showDiagnosis(ctx: DemoContext, name: string): Promise<void> {
  const table = await fetchDiagnosisTable(ctx.custom, ctx.namespace);
  ctx.progress.block(
    `\n$ kubectl get diag -n ${ctx.namespace}   # no kubectl here: the API server's Table for it (Accept: as=Table), printed plainly\n${renderMetaTable(table, ctx.namespace)}`,
  );
  let out = "";
  let err = "";
  await runCli(["get", name, "-n", ctx.namespace], {
    stdout: {
      write: (t: string) => {
        out += t;
      },
      isTTY: ctx.color,
      columns: Math.min(process.stdout.columns ?? 140, 160),
    },
    stderr: {
      write: (t: string) => {
        err += t;
      },
    },
    env: process.env,
    version: "demo",
    connect: (command) => ({
      client: kubernetesDiagnosisClient(ctx.kubeConfig),
      namespace: command.global.namespace ?? ctx.namespace,
    }),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    writeFile: async () => {},
    readFile: async () => "",
    loadFlameGraphRenderer: async () => undefined,
  });
  ctx.progress.block(`\n$ kubectl diagnose get ${name} -n ${ctx.namespace}\n${out}${err}`);
}
