import { addRandomDropRules, setPodMtu } from "../../support/faults/netFaults.js";
import {
  createNetnsPair,
  destroyNetnsPair,
  type NetnsPair,
  startPodProcess,
  stopProcess,
} from "../../support/faults/netnsPair.js";
import { pingPod } from "../../support/faults/traffic.js";
import { mustRun } from "../../support/runCommand.js";
import type { ScenarioContext } from "./scenarioContext.js";

const tcInPod = (pair: NetnsPair, args: readonly string[]) =>
  mustRun("ip", ["netns", "exec", pair.pod, "tc", ...args]);

/** `tc qdisc add dev eth0 root <qdisc...>` in the pod. */
const addEth0Root = (pair: NetnsPair, qdisc: readonly string[]) =>
  tcInPod(pair, ["qdisc", "add", "dev", "eth0", "root", ...qdisc]);

/**
 * Captures the pod's qdiscs as network/tc-qdisc-netem-<name>.{txt,json}: eth0's as text, all of
 * them as JSON, both with statistics. Returns the text.
 */
async function captureQdiscs(ctx: ScenarioContext, pair: NetnsPair, name: string): Promise<string> {
  const text = await tcInPod(pair, ["-s", "qdisc", "show", "dev", "eth0"]);
  const json = await tcInPod(pair, ["-j", "-s", "qdisc", "show"]);
  await ctx.capture(`network/tc-qdisc-netem-${name}.txt`, text);
  await ctx.capture(`network/tc-qdisc-netem-${name}.json`, json);
  return text;
}

/** Runs `body` with a pod/peer netns pair and a pod process; removes both whatever happens. */
async function withPodNetns(
  tag: string,
  body: (pair: NetnsPair, podPid: number) => Promise<void>,
): Promise<void> {
  const pair = await createNetnsPair(tag);
  const pod = await startPodProcess(pair, 300);
  try {
    await body(pair, pod.pid!);
  } finally {
    stopProcess(pod);
    await destroyNetnsPair(pair);
  }
}

const networkArgs = (pid: number) => [
  "--pid",
  String(pid),
  "--json",
  "--checks",
  "network",
  "--sample-seconds",
  "1",
];

/**
 * S2 exactly as the seed incident: `tc qdisc add dev eth0 root netem loss 30%` in the pod, the
 * random DROP rules in INPUT and OUTPUT (probability 0.3), eth0 MTU 100; traffic from the peer.
 * Captures the netem tc outputs, and a full netem configuration's.
 */
export async function s2Seed(ctx: ScenarioContext): Promise<void> {
  await withPodNetns("seed", async (pair, podPid) => {
    await addEth0Root(pair, ["netem", "loss", "30%"]);
    await addRandomDropRules(pair, 0.3);
    await setPodMtu(pair, 100);
    ctx.log("s2Seed: netem loss 30% + random DROP + MTU 100; 40 pings from the peer");
    const ping = await pingPod(pair, 40);
    ctx.fact(
      "pingSummary",
      ping.stdout.split("\n").find((l) => /packet loss/.test(l)) ?? ping.stderr.trim(),
    );
    ctx.fact("tcQdisc", await captureQdiscs(ctx, pair, "s2"));
    ctx.fact(
      "iptablesSave",
      await mustRun("ip", ["netns", "exec", pair.pod, "iptables-save", "-c"]),
    );
    await ctx.collect("pod", networkArgs(podPid));
  });
  // Every netem option at once, and a netem child under prio on a second device.
  await withPodNetns("full", async (pair) => {
    await addEth0Root(pair, [
      "handle",
      "1:",
      "netem",
      "delay",
      "100ms",
      "10ms",
      "25%",
      "loss",
      "1%",
      "duplicate",
      "1%",
      "reorder",
      "25%",
      "50%",
      "corrupt",
      "0.1%",
    ]);
    await mustRun("ip", ["-n", pair.pod, "link", "add", "eth1", "type", "dummy"]);
    await mustRun("ip", ["-n", pair.pod, "link", "set", "eth1", "up"]);
    await tcInPod(pair, ["qdisc", "add", "dev", "eth1", "root", "handle", "1:", "prio"]);
    await tcInPod(pair, [
      "qdisc",
      "add",
      "dev",
      "eth1",
      "parent",
      "1:2",
      "handle",
      "20:",
      "netem",
      "delay",
      "50ms",
    ]);
    await pingPod(pair, 10);
    await captureQdiscs(ctx, pair, "full");
  });
}

/** A Gilbert-Elliott loss model, as chaos tools set it: `netem loss gemodel 1% 10% 70% 0.1%`. */
export async function s2Gemodel(ctx: ScenarioContext): Promise<void> {
  await withPodNetns("gem", async (pair, podPid) => {
    await addEth0Root(pair, ["netem", "loss", "gemodel", "1%", "10%", "70%", "0.1%"]);
    ctx.log("s2Gemodel: netem loss gemodel; 100 pings from the peer");
    await pingPod(pair, 100);
    ctx.fact("tcQdisc", await captureQdiscs(ctx, pair, "gemodel"));
    await ctx.collect("pod", networkArgs(podPid));
  });
}
