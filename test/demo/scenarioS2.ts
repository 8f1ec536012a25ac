/**
 * S2 for real: a pod network namespace whose iptables drops 30% of packets at random and whose
 * eth0 has an MTU of 100 (the peer has 1500). The "container" is a sleep in that namespace and in
 * a kubelet-shaped cgroup; the Diagnosis is applied by hand, as a user would.
 */
import { randomBytes } from "node:crypto";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import { addRandomDropRules, setPodMtu } from "../support/faults/netFaults.js";
import { createNetnsPair, destroyNetnsPair, processInNetns } from "../support/faults/netnsPair.js";
import { pingPod } from "../support/faults/traffic.js";
import { mustRun } from "../support/runCommand.js";
import { missingCodes, type ScenarioOutcome } from "./closingNotes.js";
import { runningPodStatus, S2_CONTAINER, S2_IMAGE, s2Diagnosis, s2Pod } from "./demoObjects.js";
import { type DemoContext, runDiagnosisToEnd, showDiagnosis } from "./diagnosisFlow.js";
import { parseHpingSummary } from "./hpingSummary.js";
import { KubeletCgroup, kubeletContainerCgroup, randomContainerId } from "./kubeletCgroup.js";
import { waitUntil } from "./waitUntil.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const DROP_PROBABILITY = 0.3;
const POD_MTU = 100;

export async function makeS2Fault(ctx: DemoContext): Promise<void> {
  const { progress, cleanup, namespace } = ctx;
  // Interface names are at most 15 characters: "dgn-s2-" + 6 + "-h".
  const pair = await createNetnsPair(`dm${randomBytes(2).toString("hex")}`);
  cleanup.defer(`network namespaces ${pair.pod}, ${pair.peer}`, () => destroyNetnsPair(pair));
  progress.info(
    `netns ${pair.pod} (eth0 ${pair.podIp}) <-veth-> netns ${pair.peer} (${pair.peerIf} ${pair.peerIp}, the node side)`,
  );
  ctx.signal.throwIfAborted();
  await addRandomDropRules(pair, DROP_PROBABILITY);
  await setPodMtu(pair, POD_MTU);
  const rules = (await mustRun("ip", ["netns", "exec", pair.pod, "iptables", "-S"]))
    .split("\n")
    .filter((l) => l.includes("DROP"));
  for (const r of rules) progress.info(`  iptables ${r}`);
  progress.info(`  ip link set dev eth0 mtu ${POD_MTU}   (peer: 1500)`);

  const body = s2Pod(namespace, ctx.nodeName);
  ctx.signal.throwIfAborted();
  const pod = await ctx.core.createNamespacedPod({ namespace, body });
  const containerId = randomContainerId();
  const path = kubeletContainerCgroup(pod.status?.qosClass, pod.metadata!.uid!, containerId);
  const cg = await KubeletCgroup.create(path);
  cleanup.defer(`cgroup ${path}`, () => cg.destroy());
  // `ip netns exec` execs sleep: one pid, in the namespace and in the cgroup, bounded by itself.
  const sleeper = cg.spawn("ip", ["netns", "exec", pair.pod, "sleep", "600"]);
  await waitUntil(ctx.signal, `sleep ${sleeper.pid} in netns ${pair.pod}`, 5_000, () =>
    processInNetns(sleeper.pid, pair.pod),
  );
  await ctx.core.patchNamespacedPodStatus(
    {
      namespace,
      name: body.metadata!.name!,
      body: runningPodStatus({
        container: S2_CONTAINER,
        image: S2_IMAGE,
        containerId,
        startedAt: new Date(),
        restartCount: 0,
      }),
    },
    mergePatch,
  );
  progress.info(
    `pod ${namespace}/${body.metadata!.name} (QoS ${pod.status?.qosClass}): the container is sleep pid ${sleeper.pid} in that netns and in cgroup ${path}`,
  );
  const ping = await pingPod(pair, 40);
  ctx.signal.throwIfAborted();
  const s = parseHpingSummary(`${ping.stdout}\n${ping.stderr}`);
  progress.info(
    s
      ? `traffic: ${s.sent} pings from the peer, ${s.received} answered (${Math.round((100 * (s.sent - s.received)) / Math.max(1, s.sent))}% lost)`
      : `traffic: hping3 gave no summary (exit ${ping.exitCode})`,
  );
}

export async function diagnoseS2(ctx: DemoContext): Promise<ScenarioOutcome> {
  const { progress, namespace } = ctx;
  const manifest = s2Diagnosis(namespace);
  progress.block(`\n$ kubectl apply -f - <<'YAML'\n${stringify(manifest).trimEnd()}\nYAML`);
  await ctx.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace,
    body: manifest,
  });
  const name = manifest.metadata.name!;
  progress.info(`diagnosis.diagnose.dev/${name} created`);
  const done = await runDiagnosisToEnd(ctx, name);
  await showDiagnosis(ctx, name);
  const codes = (done.status?.findings ?? []).map((f) => f.code);
  return {
    scenario: "S2",
    diagnosis: `${namespace}/${name}`,
    verdict: done.status?.verdict,
    codes,
    missing: missingCodes("S2", codes),
  };
}
