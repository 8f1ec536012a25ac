import { setTimeout as sleep } from "node:timers/promises";
import { startSynFloodLab } from "../../../hack/scenarios/s3/synFloodLab.js";
import type { ScenarioContext } from "./scenarioContext.js";

const softirqArgs = (pid: number, seconds: number) => [
  "--pid",
  String(pid),
  "--json",
  "--checks",
  "softirq",
  "--sample-seconds",
  String(seconds),
];

/** S3: an hping3 SYN flood (bounded count and time) into a listener in another netns. */
export async function s3SynFlood(ctx: ScenarioContext): Promise<void> {
  const lab = await startSynFloodLab();
  try {
    ctx.fact("listenerPid", lab.listenerPid);
    await ctx.collect("baseline", softirqArgs(lab.listenerPid, 2));
    ctx.log("s3SynFlood: hping3 -S flood for at most 8 s");
    const flood = lab.flood(8, 100);
    await sleep(1500);
    await ctx.collect("flood", softirqArgs(lab.listenerPid, 3));
    const hping = await flood;
    ctx.fact("hpingExit", hping.exitCode ?? "signal");
    ctx.fact("hpingOutput", hping.output.slice(-600));
  } finally {
    await lab.cleanup();
  }
}
