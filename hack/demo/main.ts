/**
 * `npm run demo`: the operator end to end on this machine, with the faults made for real.
 * Builds (or finds) the control-plane binaries, starts etcd + kube-apiserver +
 * kube-controller-manager, installs the CRD and the operator, then S1 (a JVM OOM-killed in a
 * memory cgroup, diagnosed through the automatic restart trigger) and S2 (random DROP + MTU 100
 * in a pod network namespace, diagnosed through a Diagnosis applied by hand). Only the kubelet's
 * part is played locally. Everything is removed at the end, on failure, on Ctrl-C/SIGTERM and at
 * the overall deadline.
 */
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { COLOR } from "../../operator/cli/ansi.js";
import { sweepStaleNamespaces } from "../scenarios/s2/netnsPair.js";
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
import { createProgress, formatStamp } from "./progress.js";
import { diagnoseS1, makeS1Fault } from "./scenarioS1.js";
import { diagnoseS2, makeS2Fault } from "./scenarioS2.js";

/** The demo itself (after the binaries exist) is bounded by this. */
const DEMO_DEADLINE_MS = 10 * 60_000;
/** A first build from source on a small machine takes a while; bounded all the same. */
const BUILD_TIMEOUT_MS = 60 * 60_000;
const STEPS = 9;

function nodeNameForThisMachine(): string {
  const h = hostname().toLowerCase();
  return /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(h) ? h : "demo-node";
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
  const cleanup = new CleanupStack(30_000);
  const aborter = new AbortController();
  const workDir = mkdtempSync(join(tmpdir(), "diagnose-demo-"));
  let keepWorkDir = false;
  cleanup.defer(`work dir ${workDir}`, () =>
    keepWorkDir ? undefined : rm(workDir, { recursive: true, force: true }),
  );

  const runCleanup = async (): Promise<boolean> => {
    progress.info(`cleaning up (${cleanup.size} things, newest first)`);
    const outcomes = await cleanup.runAll((o) =>
      progress.info(
        `  ${o.ok ? "removed" : "FAILED "} ${o.label} (${(o.ms / 1000).toFixed(1)}s)${o.error ? `: ${o.error}` : ""}`,
      ),
    );
    return outcomes.every((o) => o.ok);
  };

  // Ctrl-C, SIGTERM, SIGHUP, or the deadline: stop what runs, undo everything, then exit.
  let stopping = false;
  const stop = async (why: string, exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${formatStamp(progress.elapsedMs())} ${why}: stopping\n`);
    aborter.abort(new Error(why));
    keepWorkDir = false;
    const clean = await runCleanup();
    process.stdout.write(
      `${formatStamp(progress.elapsedMs())} ${clean ? "everything the demo made is gone" : "cleanup had failures (see above)"}\n`,
    );
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

  const outcomes: ScenarioOutcome[] = [];
  let buildMs = 0;
  try {
    progress.step(
      "control-plane binaries (hack/build-tools.sh: built from source on the first run, cached after)",
    );
    const buildStart = performance.now();
    const binDir = await buildTools((l) => progress.info(l), aborter.signal, BUILD_TIMEOUT_MS);
    buildMs = performance.now() - buildStart;
    progress.info(`binaries in ${binDir} (${(buildMs / 1000).toFixed(1)}s)`);

    const deadline = setTimeout(
      () => void stop(`the demo took longer than ${DEMO_DEADLINE_MS / 60_000} minutes`, 1),
      DEMO_DEADLINE_MS,
    );
    deadline.unref();
    const swept = await sweepStaleNamespaces().then((n) =>
      n.filter((x) => x.startsWith("dgn-s2-dm")),
    );
    if (swept.length)
      progress.info(`removed network namespaces left by an earlier demo: ${swept.join(", ")}`);

    progress.step("local control plane + the Diagnosis CRD");
    const cp = await startControlPlaneWithCrd(progress, cleanup);

    progress.step("this machine as a Node, the operator, the demo namespace");
    const nodeName = nodeNameForThisMachine();
    const kubelet = await registerNode(cp, nodeName, progress, cleanup);
    const operator = await startOperator(cp, workDir, progress, cleanup);
    const clients = apiClients(cp.kubeConfig);
    await createDemoNamespace(clients.core, DEMO_NAMESPACE);
    progress.info(`namespace ${DEMO_NAMESPACE} created`);
    const ctx: DemoContext = {
      cp,
      kubeConfig: cp.kubeConfig,
      ...clients,
      kubelet,
      operator,
      nodeName,
      namespace: DEMO_NAMESPACE,
      workDir,
      progress,
      cleanup,
      signal: aborter.signal,
      color,
    };

    progress.step("S1: a JVM with -Xmx1g under a 200Mi limit, OOM-killed by the kernel for real");
    const fault = await makeS1Fault(ctx);
    progress.step(
      "S1: the restart trigger creates a Diagnosis; its collector Job runs on the real fault",
    );
    outcomes.push(await diagnoseS1(ctx, fault));

    progress.step("S2: random iptables DROP + MTU 100 in a pod's network namespace, for real");
    await makeS2Fault(ctx);
    progress.step("S2: a Diagnosis applied by hand; its collector Job runs on the real fault");
    outcomes.push(await diagnoseS2(ctx));

    progress.step("what you just saw");
    progress.block(`\n${closingNotes(outcomes, DEMO_NAMESPACE)}`);
  } catch (err) {
    if (stopping) return await new Promise<number>(() => {});
    keepWorkDir = true;
    process.stdout.write(
      `\n${formatStamp(progress.elapsedMs())} DEMO FAILED: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.stdout.write(`  logs kept in ${workDir} (operator.log)\n`);
    await runCleanup();
    return 1;
  }
  if (stopping) return await new Promise<number>(() => {});
  const missing = outcomes.filter((o) => o.missing.length > 0);
  keepWorkDir = missing.length > 0;
  progress.step("cleanup");
  const clean = await runCleanup();
  const total = (progress.elapsedMs() / 1000).toFixed(1);
  process.stdout.write(
    `\n${formatStamp(progress.elapsedMs())} demo finished in ${total}s (binaries: ${(buildMs / 1000).toFixed(1)}s)${clean ? "; everything it made is gone" : "; cleanup had failures (see above)"}\n`,
  );
  if (missing.length > 0) {
    process.stdout.write(
      `DEMO FAILED: expected findings missing: ${missing.map((o) => `${o.scenario} ${o.missing.join(", ")}`).join("; ")} (logs in ${workDir})\n`,
    );
    return 1;
  }
  return clean ? 0 : 1;
}

// Explicit exit: idle keep-alive sockets of the API clients would otherwise hold the process.
process.exit(await main());
