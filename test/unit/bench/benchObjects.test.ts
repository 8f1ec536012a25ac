import type { V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import { newRestarts, oomTerminations } from "../../../operator/controller/trigger/restartRules.js";
import {
  benchPod,
  fakeContainerId,
  oomRestartStatusPatch,
  podIp,
  runningPodStatus,
  workloadOwner,
} from "../../bench/benchObjects.js";

describe("bench objects", () => {
  it("binds the pod to the fake node and gives bare pods no owner", () => {
    const pod = benchPod({ namespace: "bench", name: "p-00001", node: "bench-node-0" });
    expect(pod.spec?.nodeName).to.equal("bench-node-0");
    expect(pod.metadata?.ownerReferences).to.equal(undefined);
  });

  it("restart patch is what the trigger reads as one new OOM kill", () => {
    const started = new Date("2025-01-01T00:00:00Z");
    const killed = new Date("2025-01-01T01:00:00Z");
    const before: V1Pod = {
      metadata: { name: "p", namespace: "bench", uid: "u1" },
      status: runningPodStatus("p", podIp(1), started),
    };
    expect(oomTerminations(before)).to.deep.equal([]);
    const after: V1Pod = { ...before, status: oomRestartStatusPatch("p", 1, killed).status };
    const kills = oomTerminations(after);
    expect(kills).to.have.length(1);
    expect(kills[0]).to.include({ exitCode: 137, reason: "OOMKilled", restartCount: 1 });
    expect(
      newRestarts(kills[0]!, undefined, started, new Date(killed.getTime() - 600_000)),
    ).to.equal(1);
  });

  it("gives the restarted container a new container ID and keeps the old one in lastState", () => {
    const s = oomRestartStatusPatch("p", 2, new Date()).status!.containerStatuses![0]!;
    expect(s.containerID).to.equal(fakeContainerId("p", 2));
    expect(s.lastState?.terminated?.containerID).to.equal(fakeContainerId("p", 1));
    expect(s.containerID).to.match(/^containerd:\/\/[0-9a-f]{64}$/);
  });

  it("hands out distinct pod IPs and stable ReplicaSet hashes", () => {
    const ips = new Set(Array.from({ length: 10_000 }, (_, i) => podIp(i)));
    expect(ips.size).to.equal(10_000);
    expect(workloadOwner("burst-01")).to.deep.equal(workloadOwner("burst-01"));
    expect(workloadOwner("burst-01").replicaSet).to.match(/^burst-01-[b-df-hj-kmnp-tv]{10}$/);
    expect(workloadOwner("burst-01").uid).to.not.equal(workloadOwner("burst-02").uid);
  });
});
