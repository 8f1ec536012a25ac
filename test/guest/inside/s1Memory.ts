import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { hsperfdataPublished, waitForExit } from "../../support/faults/jvm.js";
import { waitFor } from "../../support/waitFor.js";
import { dmesgLines, oomReportOf, readKmsgRecords } from "./kernelLogCapture.js";
import { KUBEPODS } from "./kubeletCgroupV2.js";
import type { ScenarioContext } from "./scenarioContext.js";

const MiB = 1024 * 1024;
/** The kubelet's OOM score for a Burstable container (1000 - 1000 * request / node memory). */
const BURSTABLE_OOM_SCORE_ADJ = 968;
/** A non-root container user, as most images run (its passwd entry is made by the suite). */
export const APP_UID = 1000;

/**
 * The pod and container of test/unit's recorded cgroup v2 node (runCollectorRecorded.test.ts,
 * parseOomKills.test.ts): the captures made here replace the fixtures those tests read.
 */
export const FIXTURE_POD_UID = "5f1e0c2a-3b7d-4c1e-9a2b-8d6f4e3c2b1a";
export const FIXTURE_CONTAINER_ID =
  "8a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

const MEMORY_FILES = [
  "memory.current",
  "memory.events",
  "memory.max",
  "memory.peak",
  "memory.stat",
] as const;

/** A bounded non-JVM memory hog: perl growing one string to `mib` MiB (every page touched). */
function perlHog(mib: number, holdSeconds: number): string[] {
  return [
    "-e",
    `my $x = ""; vec($x, ${Math.floor(mib)} * 1048576 - 1, 8) = 1; sleep ${Math.floor(holdSeconds)};`,
  ];
}

/**
 * Drops the page cache the earlier scenarios left charged to kubepods.slice: reclaiming it page
 * by page before the OOM kill takes minutes under emulation, and it is not what is tested.
 */
async function dropPageCache(): Promise<void> {
  await writeFile("/proc/sys/vm/drop_caches", "1");
}

/** Resolves once the Alloc workload printed "allocated" (its heap is resident), or fails. */
function allocated(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`Alloc did not allocate in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("allocated")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Alloc exited (${code ?? signal}) before allocating`));
    });
  });
}

async function startJvm(
  ctx: ScenarioContext,
  path: string,
  jvmArgs: readonly string[],
  allocMiB: number,
  opts: { uid?: number; holdSeconds?: number } = {},
): Promise<ChildProcess> {
  const child = ctx.tree.spawn(
    path,
    "java",
    [...jvmArgs, "-cp", ctx.classes, "Alloc", String(allocMiB), String(opts.holdSeconds ?? 240)],
    { oomScoreAdj: BURSTABLE_OOM_SCORE_ADJ, ...(opts.uid === undefined ? {} : { uid: opts.uid }) },
  );
  const user = opts.uid === undefined ? "root" : "app";
  await waitFor(
    "the JVM's hsperfdata",
    120_000,
    async () => child.pid !== undefined && hsperfdataPublished(child.pid, user),
  );
  await allocated(child, 120_000);
  return child;
}

/** Runs `victim` to its death and records how it ended; the scenario fails unless SIGKILLed. */
async function expectOomKill(
  ctx: ScenarioContext,
  victim: ChildProcess,
  what: string,
): Promise<number> {
  const pid = victim.pid!;
  const exit = await waitForExit(victim, 180_000);
  ctx.fact(`${what}Pid`, pid);
  ctx.fact(`${what}Signal`, exit.signal ?? `exit ${exit.code}`);
  if (exit.signal !== "SIGKILL") {
    throw new Error(
      `${what} (pid ${pid}) was not OOM-killed: ${exit.signal ?? exit.code}; ${exit.stderr.slice(-500)}`,
    );
  }
  return pid;
}

/** The kernel's OOM report of victimPid, its kill and usage lines, as the fact "kernelReport". */
async function factKernelReport(ctx: ScenarioContext, victimPid: number): Promise<void> {
  ctx.fact(
    "kernelReport",
    oomReportOf(await dmesgLines(), victimPid)
      ?.filter((l) => /oom-kill:|Killed process|memory: usage/.test(l))
      .join("\n"),
  );
}

/**
 * A process left running in container c after the OOM kill, and the collector's memory check of
 * the container (the report "survivor"): the container is diagnosed by id, not by the dead pid.
 */
async function collectSurvivor(
  ctx: ScenarioContext,
  c: { id: string; path: string },
): Promise<void> {
  const survivor = ctx.tree.spawn(c.path, "sleep", ["120"]);
  await waitFor(
    "the survivor in its container",
    10_000,
    async () => (await ctx.tree.read(c.path, "cgroup.procs")).trim().length > 0,
  );
  ctx.fact("survivorPid", survivor.pid);
  await ctx.collect("survivor", [
    "--container-id",
    c.id,
    "--json",
    "--checks",
    "memory",
    "--sample-seconds",
    "0",
  ]);
}

/**
 * S1 as users run it: a JVM with -Xmx1g in a 512 MiB container (Burstable, uid 1000) OOM-killed,
 * its restart diagnosed by container id. Captures the kernel's report and the cgroup files.
 */
export async function s1Xmx(ctx: ScenarioContext): Promise<void> {
  const pod = await ctx.tree.pod(FIXTURE_POD_UID);
  const c = await ctx.tree.container(pod, { id: FIXTURE_CONTAINER_ID, memoryMaxBytes: 512 * MiB });
  ctx.fact("containerId", c.id);
  ctx.fact("cgroupPath", c.path);
  ctx.log("s1Xmx: java -Xmx1g allocating 900 MiB in a 512 MiB container");
  const victim = ctx.tree.spawn(
    c.path,
    "java",
    ["-Xmx1g", "-cp", ctx.classes, "Alloc", "900", "30"],
    { oomScoreAdj: BURSTABLE_OOM_SCORE_ADJ, uid: APP_UID },
  );
  const victimPid = await expectOomKill(ctx, victim, "victim");
  const events = await ctx.tree.read(c.path, "memory.events");
  ctx.fact("memoryEventsAfterKill", events);
  ctx.fact("memoryPeakAfterKill", Number(await ctx.tree.read(c.path, "memory.peak")));

  const dmesg = oomReportOf(await dmesgLines(), victimPid);
  const kmsg = oomReportOf(readKmsgRecords(), victimPid);
  ctx.fact("kernelReportLines", dmesg?.length ?? 0);
  if (dmesg)
    await ctx.capture("memory/kmsg/cgroup2-containerd-memcg.dmesg", `${dmesg.join("\n")}\n`);
  if (kmsg) await ctx.capture("memory/kmsg/cgroup2-containerd-memcg-6.1.kmsg", kmsg.join(""));

  ctx.log("s1Xmx: the restarted JVM (same container, -Xmx1g, holding 16 MiB)");
  const restarted = await startJvm(ctx, c.path, ["-Xmx1g"], 16, { uid: APP_UID });
  ctx.fact("restartedPid", restarted.pid);
  await ctx.collect("restarted", [
    "--container-id",
    `containerd://${c.id}`,
    "--json",
    "--checks",
    "memory,jvm,cpu",
    "--sample-seconds",
    "0",
  ]);

  // The fixture "oom-at-limit": the restarted container near its limit again after the OOM kill
  // (a second process of the container holds the rest), as a node shows it minutes later.
  // The working set (usage less inactive page cache) is what MemoryNearLimit weighs.
  const workingSet = async () => {
    const usage = Number(await ctx.tree.read(c.path, "memory.current"));
    const stat = await ctx.tree.read(c.path, "memory.stat");
    return usage - Number(/^inactive_file (\d+)$/m.exec(stat)?.[1] ?? 0);
  };
  const holdMiB = Math.floor((0.93 * 512 * MiB - (await workingSet())) / MiB);
  ctx.fact("holderMiB", holdMiB);
  if (holdMiB > 8) {
    const holder = ctx.tree.spawn(c.path, "perl", perlHog(holdMiB, 120), { oomScoreAdj: -997 });
    await waitFor(
      "the holder's memory",
      60_000,
      async () => (await workingSet()) > 0.91 * 512 * MiB,
    );
    await sleep(500);
    const files = await ctx.tree.readAll(c.path, MEMORY_FILES);
    for (const [name, text] of Object.entries(files))
      await ctx.capture(`memory/v2/oom-at-limit/${name}`, text);
    holder.kill("SIGKILL");
  }
}

/**
 * A JVM sized only by -XX:MaxRAMPercentage=95 in a 256 MiB container: the container-aware heap
 * (95% of the limit) plus the JVM's own native memory does not fit, so the kernel kills it
 * before the heap fills (at 90% the heap filled first here: java.lang.OutOfMemoryError). The
 * victim pre-touches its heap: otherwise whether the kernel or the heap runs out first depends on
 * how much of the young generation and code cache were touched, which varies with the host's load
 * (a loaded CI host once got java.lang.OutOfMemoryError at 95%). The restarted JVM, the one the
 * collector judges, has only -XX:MaxRAMPercentage=95.
 */
export async function s1MaxRam(ctx: ScenarioContext): Promise<void> {
  const pod = await ctx.tree.pod();
  const c = await ctx.tree.container(pod, { memoryMaxBytes: 256 * MiB });
  ctx.fact("containerId", c.id);
  ctx.log("s1MaxRam: java -XX:MaxRAMPercentage=95 allocating 400 MiB in a 256 MiB container");
  const victim = ctx.tree.spawn(
    c.path,
    "java",
    ["-XX:MaxRAMPercentage=95", "-XX:+AlwaysPreTouch", "-cp", ctx.classes, "Alloc", "400", "30"],
    { oomScoreAdj: BURSTABLE_OOM_SCORE_ADJ },
  );
  await expectOomKill(ctx, victim, "victim");
  ctx.fact("memoryEventsAfterKill", await ctx.tree.read(c.path, "memory.events"));
  const restarted = await startJvm(ctx, c.path, ["-XX:MaxRAMPercentage=95"], 16);
  ctx.fact("restartedPid", restarted.pid);
  await ctx.collect("restarted", [
    "--container-id",
    c.id,
    "--json",
    "--checks",
    "memory,jvm",
    "--sample-seconds",
    "0",
  ]);
}

/**
 * A JVM well inside a 1 GiB limit, no CPU quota: nothing to report. Captures the "healthy"
 * memory and "unlimited" cpu fixtures.
 */
export async function s1Fits(ctx: ScenarioContext): Promise<void> {
  const pod = await ctx.tree.pod();
  const c = await ctx.tree.container(pod, { memoryMaxBytes: 1024 * MiB });
  ctx.log("s1Fits: java -Xmx256m holding 64 MiB in a 1 GiB container");
  const jvm = await startJvm(ctx, c.path, ["-Xmx256m"], 64);
  ctx.fact("pid", jvm.pid);
  await ctx.collect("fits", [
    "--pid",
    String(jvm.pid),
    "--json",
    "--checks",
    "memory,jvm,cpu",
    "--sample-seconds",
    "1",
  ]);
  const files = await ctx.tree.readAll(c.path, MEMORY_FILES);
  for (const [name, text] of Object.entries(files))
    await ctx.capture(`memory/v2/healthy/${name}`, text);
  for (const name of ["cpu.max", "cpu.stat", "cpu.weight"] as const)
    await ctx.capture(`cpu/v2/unlimited/${name}`, await ctx.tree.read(c.path, name));
}

/**
 * The limit is the pod's (memory.max on the pod slice), the container has none: the kernel's
 * oom_memcg is the pod slice while task_memcg is the container.
 */
export async function podLimitOom(ctx: ScenarioContext): Promise<void> {
  await dropPageCache();
  const pod = await ctx.tree.pod();
  await ctx.tree.write(pod, "memory.max", String(256 * MiB));
  await ctx.tree.write(pod, "memory.swap.max", "0");
  const c = await ctx.tree.container(pod);
  ctx.fact("podPath", pod);
  ctx.fact("containerId", c.id);
  ctx.fact("containerMemoryMax", (await ctx.tree.read(c.path, "memory.max")).trim());
  ctx.log("podLimitOom: perl allocating 400 MiB under a 256 MiB pod limit");
  const victim = ctx.tree.spawn(c.path, "perl", perlHog(400, 30), {
    oomScoreAdj: BURSTABLE_OOM_SCORE_ADJ,
  });
  const victimPid = await expectOomKill(ctx, victim, "victim");
  ctx.fact("podMemoryEvents", await ctx.tree.read(pod, "memory.events"));
  await factKernelReport(ctx, victimPid);
  await collectSurvivor(ctx, c);
}

/**
 * The node-allocatable limit: memory.max on kubepods.slice (the kubelet's allocatable = capacity
 * - kube-reserved - system-reserved - eviction threshold), pod and container unlimited.
 */
export async function nodeAllocatableOom(ctx: ScenarioContext): Promise<void> {
  const pod = await ctx.tree.pod();
  const c = await ctx.tree.container(pod);
  ctx.fact("containerId", c.id);
  await dropPageCache();
  await ctx.tree.write(KUBEPODS, "memory.max", String(320 * MiB));
  try {
    ctx.log("nodeAllocatableOom: perl allocating 500 MiB under a 320 MiB kubepods.slice limit");
    const victim = ctx.tree.spawn(c.path, "perl", perlHog(500, 30), {
      oomScoreAdj: BURSTABLE_OOM_SCORE_ADJ,
    });
    const victimPid = await expectOomKill(ctx, victim, "victim");
    ctx.fact("kubepodsMemoryEvents", await ctx.tree.read(KUBEPODS, "memory.events"));
    await factKernelReport(ctx, victimPid);
  } finally {
    await ctx.tree.write(KUBEPODS, "memory.max", "max");
  }
  await collectSurvivor(ctx, c);
}
