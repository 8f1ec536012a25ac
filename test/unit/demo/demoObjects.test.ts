import type { V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  newRestarts,
  oomTerminations,
  owningWorkload,
} from "../../../operator/controller/trigger/restartRules.js";
import {
  runningPodStatus,
  S1_CONTAINER,
  s1ReplicaSet,
  s2Diagnosis,
  s2Pod,
} from "../../demo/demoObjects.js";

const ID = "8dce994a7e209f48e52352e16b1b10b20600f5b6051a25171cd4022bcb51fc80";

/** The pod the ReplicaSet controller makes from the template, with a status written on it. */
function podOf(status: V1Pod["status"]): V1Pod {
  const rs = s1ReplicaSet("demo", "vm");
  const t = rs.spec!.template!;
  return {
    metadata: {
      name: `${rs.metadata!.name}-68hx6`,
      namespace: "demo",
      uid: "3ce7a3d4-df97-4886-9882-33c00c056c1b",
      labels: t.metadata!.labels!,
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: rs.metadata!.name!,
          uid: "u",
          controller: true,
        },
      ],
    },
    spec: t.spec!,
    status,
  };
}

describe("demo objects", () => {
  it("S1 pod: a 200Mi limit and a 1g heap flag, the shape the preliminary findings read", () => {
    const c = s1ReplicaSet("demo", "vm").spec!.template!.spec!.containers[0]!;
    expect(c.resources?.limits?.memory).to.equal("200Mi");
    expect(c.env).to.deep.include({ name: "JAVA_TOOL_OPTIONS", value: "-Xmx1g" });
    expect(s1ReplicaSet("demo", "vm").spec!.template!.spec!.nodeName).to.equal("vm");
  });

  it("S1 status after the OOM kill is a new OOM restart for the operator's trigger, of workload checkout", () => {
    const started = new Date("2026-01-01T10:00:00Z");
    const killed = new Date("2026-01-01T10:00:05Z");
    const before = podOf(
      runningPodStatus({
        container: S1_CONTAINER,
        image: "j",
        containerId: ID,
        startedAt: started,
        restartCount: 0,
      }).status,
    );
    expect(oomTerminations(before)).to.deep.equal([]);
    const after = podOf(
      runningPodStatus({
        container: S1_CONTAINER,
        image: "j",
        containerId: ID,
        startedAt: killed,
        restartCount: 1,
        oomKilledAt: killed,
      }).status,
    );
    const s = after.status!.containerStatuses![0]!;
    expect(s.containerID).to.equal(`containerd://${ID}`);
    expect(s.state?.running).to.exist;
    const kills = oomTerminations(after);
    expect(kills).to.have.length(1);
    expect(
      newRestarts(kills[0]!, undefined, undefined, new Date(killed.getTime() - 60_000)),
    ).to.equal(1);
    expect(kills[0]).to.include({
      container: S1_CONTAINER,
      exitCode: 137,
      reason: "OOMKilled",
      restartCount: 1,
    });
    expect(owningWorkload(after)).to.deep.equal({ kind: "Deployment", name: "checkout" });
  });

  it("S2 Diagnosis targets the S2 pod's container with the network check", () => {
    const pod = s2Pod("demo", "vm");
    const d = s2Diagnosis("demo");
    expect(d.spec.target).to.deep.equal({
      pod: pod.metadata!.name,
      container: pod.spec!.containers[0]!.name,
    });
    expect(d.spec.checks).to.deep.equal(["network"]);
    expect(d.metadata.namespace).to.equal("demo");
  });
});
