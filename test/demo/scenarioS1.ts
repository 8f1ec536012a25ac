/**
 * S1 for real: a JVM whose heap (-Xmx1g) is far above its container's 200Mi limit is OOM-killed
 * by the kernel in a kubelet-shaped memory cgroup; the "restarted" JVM runs on in the same
 * cgroup; the pod's status records the restart as a kubelet would; the operator's restart
 * trigger does the rest.
 */
import { rm } from "node:fs/promises";
import type { V1Pod } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { type Diagnosis, GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import { compileAlloc, hsperfdataPublished, waitForExit } from "../support/faults/jvm.js";
import { missingCodes, type ScenarioOutcome } from "./closingNotes.js";
import {
  MiB,
  runningPodStatus,
  S1_CONTAINER,
  S1_HEAP,
  S1_IMAGE,
  S1_MEMORY_LIMIT_MIB,
  s1ReplicaSet,
} from "./demoObjects.js";
import { type DemoContext, runDiagnosisToEnd, showDiagnosis } from "./diagnosisFlow.js";
import { KubeletCgroup, kubeletContainerCgroup, randomContainerId } from "./kubeletCgroup.js";
import { waitUntil } from "./waitUntil.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface S1Fault {
  pod: V1Pod;
  /** When the pod status recorded the restart (the trigger's reaction is timed from here). */
  restartRecordedAt: number;
}

export async function makeS1Fault(ctx: DemoContext): Promise<S1Fault> {
  const { progress, cleanup, namespace } = ctx;
  progress.info(
    "javac test/support/faults/Alloc.java (allocates N MiB of heap, touching every page)",
  );
  const classes = await compileAlloc();
  cleanup.defer("compiled Alloc.class", () => rm(classes, { recursive: true, force: true }));
  ctx.signal.throwIfAborted();

  const rs = s1ReplicaSet(namespace, ctx.nodeName);
  await ctx.apps.createNamespacedReplicaSet({ namespace, body: rs });
  const pod = await waitUntil<V1Pod>(
    ctx.signal,
    "the ReplicaSet controller to create the pod",
    30_000,
    async () => {
      const pods = await ctx.core.listNamespacedPod({ namespace, labelSelector: "app=checkout" });
      return pods.items[0];
    },
  );
  const podName = pod.metadata!.name!;
  progress.info(
    `ReplicaSet ${rs.metadata!.name} -> pod ${podName} (QoS ${pod.status?.qosClass}), container ${S1_CONTAINER}: memory limit ${S1_MEMORY_LIMIT_MIB}Mi, env JAVA_TOOL_OPTIONS=-Xmx${S1_HEAP}`,
  );

  const containerId = randomContainerId();
  const path = kubeletContainerCgroup(pod.status?.qosClass, pod.metadata!.uid!, containerId);
  const cg = await KubeletCgroup.create(path, { memoryLimitBytes: S1_MEMORY_LIMIT_MIB * MiB });
  cleanup.defer(`cgroup ${path}`, () => cg.destroy());
  progress.info(`cgroup /sys/fs/cgroup/{memory,cpu}${path}`);
  progress.info(
    `  memory.limit_in_bytes = ${S1_MEMORY_LIMIT_MIB * MiB} (${S1_MEMORY_LIMIT_MIB} MiB)`,
  );

  const startedAt = new Date();
  const container = { container: S1_CONTAINER, image: S1_IMAGE, containerId, startedAt };
  await ctx.core.patchNamespacedPodStatus(
    { namespace, name: podName, body: runningPodStatus({ ...container, restartCount: 0 }) },
    mergePatch,
  );
  const env = { ...process.env, JAVA_TOOL_OPTIONS: `-Xmx${S1_HEAP}` };
  const victim = cg.spawn("java", ["-cp", classes, "Alloc", "900", "30"], env);
  progress.info(
    `java (pid ${victim.pid}) in that cgroup allocates 900 MiB of heap: allowed by -Xmx${S1_HEAP}, not by the limit...`,
  );
  const exit = await waitForExit(victim, 90_000);
  if (exit.signal !== "SIGKILL")
    throw new Error(
      `expected the kernel to OOM-kill java; it ended with ${exit.code ?? exit.signal}: ${exit.stderr.trim()}`,
    );
  ctx.signal.throwIfAborted();
  const oomKilledAt = new Date();
  const oomKills = /^oom_kill (\d+)/m.exec(await cg.readMemoryFile("memory.oom_control"))?.[1];
  progress.info(
    `the kernel OOM-killed java pid ${victim.pid} (SIGKILL: exit code 137); memory.oom_control oom_kill ${oomKills ?? "?"}`,
  );

  const restarted = cg.spawn("java", ["-cp", classes, "Alloc", "16", "600"], env);
  restarted.stdout?.resume();
  restarted.stderr?.resume();
  await waitUntil(
    ctx.signal,
    "the restarted JVM's perf counters",
    30_000,
    async () => restarted.pid !== undefined && hsperfdataPublished(restarted.pid),
  );
  progress.info(`"restarted" container: java pid ${restarted.pid}, same cgroup, same flags`);

  await ctx.core.patchNamespacedPodStatus(
    {
      namespace,
      name: podName,
      body: runningPodStatus({ ...container, startedAt: new Date(), restartCount: 1, oomKilledAt }),
    },
    mergePatch,
  );
  const restartRecordedAt = performance.now();
  progress.info(
    `pod status (as the kubelet writes it): restartCount 1, lastState.terminated exitCode 137 reason OOMKilled, containerID containerd://${containerId.slice(0, 12)}...`,
  );
  return { pod, restartRecordedAt };
}

/** Waits for the operator's automatic Diagnosis, follows it to the end, prints it. */
export async function diagnoseS1(ctx: DemoContext, fault: S1Fault): Promise<ScenarioOutcome> {
  const { progress, namespace } = ctx;
  const auto = await waitUntil<Diagnosis>(
    ctx.signal,
    "the restart trigger to create a Diagnosis",
    60_000,
    async () => {
      ctx.operator.assertRunning();
      const list = (await ctx.custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
      })) as { items: Diagnosis[] };
      return list.items[0];
    },
  );
  const name = auto.metadata.name!;
  progress.info(
    `the operator saw the restart and created Diagnosis ${namespace}/${name} by itself, ${Math.round(performance.now() - fault.restartRecordedAt)} ms after the status update (polled every 200 ms)`,
  );
  progress.info(
    `  target pod ${auto.spec.target.pod} container ${auto.spec.target.container ?? "-"}, checks ${auto.spec.checks?.join(",") ?? "(not set: the default set)"}`,
  );
  const done = await runDiagnosisToEnd(ctx, name);
  await showDiagnosis(ctx, name);
  const codes = (done.status?.findings ?? []).map((f) => f.code);
  return {
    scenario: "S1",
    diagnosis: `${namespace}/${name}`,
    verdict: done.status?.verdict,
    codes,
    missing: missingCodes("S1", codes),
  };
}
