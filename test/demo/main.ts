/**
 * `npm run demo`: the operator end to end on this machine, with the faults made for real.
 * Builds (or finds) the control-plane binaries, starts etcd + kube-apiserver +
 * kube-controller-manager, installs the CRD and the operator, then S1 (a JVM OOM-killed in a
 * memory cgroup, diagnosed through the automatic restart trigger) and S2 (random DROP + MTU 100
 * in a pod network namespace, diagnosed through a Diagnosis applied by hand). Only the kubelet's
 * part is played locally. Everything is removed at the end, on failure, on Ctrl-C/SIGTERM and at
 * the overall deadline.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { COLOR } from "../../operator/cli/ansi.js";
import { sweepStaleNamespaces } from "../support/faults/netnsPair.js";
import { buildTools } from "./buildTools.js";
import { CleanupStack } from "./cleanupStack.js";
import { closingNotes, type ScenarioOutcome } from "./closingNotes.js";
import {
  apiClients,
  createDemoNamespace,
  registerNode,
  startControlPlaneWithCrd,
  startOperator,
} from "./demoCluster.js";
import { DEMO_NAMESPACE } from "./demoObjects.js";
import type { DemoContext } from "./diagnosisFlow.js";
import { inspectMachine, preflightProblems } from "./preflight.js";
import { createProgress, formatStamp, type Progress } from "./progress.js";
import { diagnoseS1, makeS1Fault } from "./scenarioS1.js";
import { diagnoseS2, makeS2Fault } from "./scenarioS2.js";

/** The demo itself (after the binaries exist) is bounded by this (DIAGNOSE_DEMO_DEADLINE_SECONDS). */
const DEMO_DEADLINE_MS =
  1000 *
  (Number(process.env.DIAGNOSE_DEMO_DEADLINE_SECONDS) > 0
    ? Number(process.env.DIAGNOSE_DEMO_DEADLINE_SECONDS)
    : 600);
/** A first build from source on a small machine takes a while; bounded all the same. */
const BUILD_TIMEOUT_MS = 60 * 60_000;
/** After Ctrl-C, how long a step in flight gets to notice before the exit. */
const IN_FLIGHT_GRACE_MS = 15_000;
const STEPS = 9;

function nodeNameForThisMachine(): string {
  const h = hostname().toLowerCase();
  return /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(h) ? h : "demo-node";
}

interface DemoRun {
  progress: Progress;
  cleanup: CleanupStack;
  signal: AbortSignal;
  workDir: string;
  color: boolean;
  /** Starts the overall deadline (once the binaries exist). */
  startDeadline(): void;
}

/** Steps 1-8; returns the scenario outcomes. Everything it makes is on `run.cleanup`. */
async function runSteps(run: DemoRun): Promise<{ outcomes: ScenarioOutcome[]; buildMs: number }> {
  const { progress, cleanup, signal } = run;
  const step = (title: string): void => {
    signal.throwIfAborted();
    progress.step(title);
  };
  step(
    "control-plane binaries (hack/build-tools.sh: built from source on the first run, cached after)",
  );
  const buildStart = performance.now();
  const binDir = await buildTools((l) => progress.info(l), signal, BUILD_TIMEOUT_MS);
  const buildMs = performance.now() - buildStart;
  progress.info(`binaries in ${binDir} (${(buildMs / 1000).toFixed(1)}s)`);
  run.startDeadline();
  const swept = (await sweepStaleNamespaces()).filter((n) => n.startsWith("dgn-s2-dm"));
  if (swept.length)
    progress.info(`removed network namespaces left by an earlier demo: ${swept.join(", ")}`);

  step("local control plane + the Diagnosis CRD");
  const cp = await startControlPlaneWithCrd(progress, cleanup);

  step("this machine as a Node, the operator, the demo namespace");
  const nodeName = nodeNameForThisMachine();
  const kubelet = await registerNode(cp, nodeName, progress, cleanup);
  const operator = await startOperator(cp, run.workDir, progress, cleanup);
  const clients = apiClients(cp.kubeConfig);
  await createDemoNamespace(clients.core, DEMO_NAMESPACE, signal);
  progress.info(`namespace ${DEMO_NAMESPACE} created`);
  const ctx: DemoContext = {
    cp,
    kubeConfig: cp.kubeConfig,
    ...clients,
    kubelet,
    operator,
    nodeName,
    namespace: DEMO_NAMESPACE,
    workDir: run.workDir,
    progress,
    cleanup,
    signal,
    color: run.color,
  };

  const outcomes: ScenarioOutcome[] = [];
  step("S1: a JVM with -Xmx1g under a 200Mi limit, OOM-killed by the kernel for real");
  const fault = await makeS1Fault(ctx);
  step("S1: the restart trigger creates a Diagnosis; its collector Job runs on the real fault");
  outcomes.push(await diagnoseS1(ctx, fault));

  step("S2: random iptables DROP + MTU 100 in a pod's network namespace, for real");
  await makeS2Fault(ctx);
  step("S2: a Diagnosis applied by hand; its collector Job runs on the real fault");
  outcomes.push(await diagnoseS2(ctx));

  step("what you just saw");
  progress.block(`\n${closingNotes(outcomes, DEMO_NAMESPACE)}`);
  return { outcomes, buildMs };
}

async function main(): Promise<number> {
  const problems = preflightProblems(inspectMachine());
  if (problems.length > 0) {
    process.stderr.write(
      `npm run demo cannot run here:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    return 1;
  }
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const progress = createProgress(process.stdout, STEPS, undefined, color ? COLOR.bold : undefined);
  const say = (line: string): void => {
    process.stdout.write(`${formatStamp(progress.elapsedMs())} ${line}\n`);
  };
  const cleanup = new CleanupStack(30_000);
  const aborter = new AbortController();
  const workDir = mkdtempSync(join(tmpdir(), "diagnose-demo-"));
  // The operator's log is kept when the demo fails by itself; removed otherwise.
  const finishWorkDir = async (keep: boolean): Promise<void> => {
    if (keep && existsSync(join(workDir, "operator.log")))
      say(`operator log kept: ${join(workDir, "operator.log")}`);
    else await rm(workDir, { recursive: true, force: true });
  };
  const report = (o: { label: string; ok: boolean; ms: number; error?: string }): void =>
    progress.info(
      `  ${o.ok ? "removed" : "FAILED "} ${o.label} (${(o.ms / 1000).toFixed(1)}s)${o.error ? `: ${o.error}` : ""}`,
    );
  const runCleanup = async (): Promise<boolean> => {
    progress.info(`cleaning up (${cleanup.size} things, newest first)`);
    const outcomes = await cleanup.runAll(report);
    return outcomes.every((o) => o.ok);
  };

  let deadline: NodeJS.Timeout | undefined;
  let flow: Promise<unknown> = Promise.resolve();
  // Ctrl-C, SIGTERM, SIGHUP, or the deadline: stop making things, undo everything, exit.
  // Registered before the control plane starts, so these handlers run before its own.
  let stopping = false;
  const stop = async (why: string, exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    cleanup.runUrgent();
    say(`${why}: stopping`);
    aborter.abort(new Error(why));
    let clean = await runCleanup();
    // A step in flight may still make something (deferred now, so undone at once): wait for it.
    await Promise.race([
      flow.catch(() => {}),
      new Promise((r) => setTimeout(r, IN_FLIGHT_GRACE_MS)),
    ]);
    for (const o of await cleanup.settleLate()) {
      report(o);
      clean &&= o.ok;
    }
    await finishWorkDir(false);
    say(clean ? "everything the demo made is gone" : "cleanup had failures (see above)");
    process.exit(exitCode);
  };
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)
    process.on(signal, () => {
      void stop(`interrupted (${signal})`, code);
    });

  const running = runSteps({
    progress,
    cleanup,
    signal: aborter.signal,
    workDir,
    color,
    startDeadline() {
      deadline = setTimeout(
        () =>
          void stop(`the demo took longer than ${DEMO_DEADLINE_MS / 1000}s (its overall bound)`, 1),
        DEMO_DEADLINE_MS,
      );
    },
  });
  flow = running;
  let result: Awaited<typeof running>;
  try {
    result = await running;
  } catch (err) {
    // stop() owns the exit once it began.
    if (stopping) return new Promise<number>(() => {});
    clearTimeout(deadline);
    say(`DEMO FAILED: ${err instanceof Error ? err.message : String(err)}`);
    await runCleanup();
    await finishWorkDir(true);
    return 1;
  }
  if (stopping) return new Promise<number>(() => {});
  clearTimeout(deadline);
  const missing = result.outcomes.filter((o) => o.missing.length > 0);
  progress.step("cleanup");
  const clean = await runCleanup();
  await finishWorkDir(missing.length > 0);
  const total = (progress.elapsedMs() / 1000).toFixed(1);
  process.stdout.write("\n");
  say(
    `demo finished in ${total}s (binaries: ${(result.buildMs / 1000).toFixed(1)}s)${clean ? "; everything it made is gone" : "; cleanup had failures (see above)"}`,
  );
  if (missing.length > 0) {
    say(
      `DEMO FAILED: expected findings missing: ${missing.map((o) => `${o.scenario} ${o.missing.join(", ")}`).join("; ")}`,
    );
    return 1;
  }
  return clean ? 0 : 1;
}

// Explicit exit: idle keep-alive sockets of the API clients would otherwise hold the process.
process.exit(await main());
