import { setTimeout as sleep } from "node:timers/promises";
import type { ScenarioContext } from "./scenarioContext.js";

const MiB = 1024 * 1024;

/**
 * S1's CPU half: a JVM starting under cpu.max "10000 100000" (0.1 CPU), diagnosed while it
 * starts. Captures the "throttled" cpu fixture.
 */
export async function s1Cpu(ctx: ScenarioContext): Promise<void> {
  const pod = await ctx.tree.pod();
  const c = await ctx.tree.container(pod, { cpuMax: "10000 100000", memoryMaxBytes: 512 * MiB });
  ctx.fact("containerId", c.id);
  ctx.fact("cpuMax", (await ctx.tree.read(c.path, "cpu.max")).trim());
  ctx.log("s1Cpu: java -Xmx64m starting under a 0.1 CPU quota");
  const jvm = ctx.tree.spawn(c.path, "java", ["-Xmx64m", "-cp", ctx.classes, "Alloc", "32", "120"]);
  // Let it run into the quota for a few periods before the collector looks.
  await sleep(1500);
  ctx.fact("jvmRunning", jvm.exitCode === null);
  await ctx.collect("starting", [
    "--container-id",
    c.id,
    "--json",
    "--checks",
    "cpu",
    "--sample-seconds",
    "2",
  ]);
  for (const name of ["cpu.max", "cpu.stat", "cpu.weight"] as const)
    await ctx.capture(`cpu/v2/throttled/${name}`, await ctx.tree.read(c.path, name));
  jvm.kill("SIGKILL");
}
