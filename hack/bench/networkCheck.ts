import { pathToFileURL } from "node:url";
import type { CheckContext } from "../../operator/collector/check.js";
import { ChildProcessRunner } from "../../operator/collector/commandRunner.js";
import { networkCheck } from "../../operator/collector/network/networkCheck.js";
import { addManyRules, addRandomDropRules } from "../scenarios/s2/faults.js";
import {
  createNetnsPair,
  destroyNetnsPair,
  startPodProcess,
  stopProcess,
} from "../scenarios/s2/netnsPair.js";
import { pingPod } from "../scenarios/s2/traffic.js";

export interface NetworkCheckBench {
  rules: number;
  runs: number;
  sampleSeconds: number;
  /** Median wall time of collect() + analyze(), sample interval included. */
  medianWallMs: number;
  /** The same minus the sample sleep: what the probes themselves cost. */
  medianOverheadMs: number;
  maxWallMs: number;
  findings: number;
}

/**
 * Wall time of the network check on a namespace holding `rules` iptables rules (two random DROP
 * rules with traffic among them). Needs root; makes and removes its own dgn-s2- namespaces.
 */
export async function benchNetworkCheck(
  options: { rules?: number; runs?: number; sampleSeconds?: number } = {},
): Promise<NetworkCheckBench> {
  const rules = options.rules ?? 1000;
  const runs = options.runs ?? 3;
  const sampleSeconds = options.sampleSeconds ?? 2;
  const pair = await createNetnsPair();
  let pod: Awaited<ReturnType<typeof startPodProcess>> | undefined;
  try {
    await addManyRules(pair, rules - 2);
    await addRandomDropRules(pair, 0.3);
    await pingPod(pair, 10);
    pod = await startPodProcess(pair, 300);
    const ctx: CheckContext = {
      target: { kind: "pod", pids: [pod.pid!], cgroupPaths: {}, hostname: "bench" },
      procRoot: "/proc",
      sysRoot: "/sys",
      kmsgPath: "/dev/kmsg",
      options: { sampleSeconds },
      runner: new ChildProcessRunner(),
      now: () => new Date(),
      progress: () => {},
    };
    const walls: number[] = [];
    let findings = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const data = await networkCheck.collect(ctx);
      findings = networkCheck.analyze(data, { results: {} }).length;
      walls.push(performance.now() - t0);
      const seen = data.firewall.rules.length;
      if (seen < rules / 2 - 2) throw new Error(`expected ~${rules / 2} DROP rules, saw ${seen}`);
    }
    walls.sort((a, b) => a - b);
    const median = walls[Math.floor(walls.length / 2)]!;
    return {
      rules,
      runs,
      sampleSeconds,
      medianWallMs: Math.round(median),
      medianOverheadMs: Math.round(median - sampleSeconds * 1000),
      maxWallMs: Math.round(walls[walls.length - 1]!),
      findings,
    };
  } finally {
    stopProcess(pod);
    await destroyNetnsPair(pair);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchNetworkCheck()));
}
