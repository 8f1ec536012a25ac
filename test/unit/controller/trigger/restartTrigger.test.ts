import { expect } from "chai";
import { API_VERSION, type Diagnosis, KIND } from "../../../../operator/api/v1alpha1/diagnosis.js";
import { ObjectStore } from "../../../../operator/controller/runtime/objectStore.js";
import {
  TRIGGERED_WORKLOAD_INDEX,
  triggeredWorkload,
} from "../../../../operator/controller/trigger/restartTrigger.js";

function diagnosis(
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Diagnosis {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { namespace: "shop", name, labels, annotations },
    spec: { target: { pod: "web-1" } },
  };
}

describe("RestartTrigger's Diagnosis index", () => {
  it("finds the triggered Diagnoses of a workload, not manual ones or another namespace's", () => {
    const s = new ObjectStore<Diagnosis>();
    s.addIndex(TRIGGERED_WORKLOAD_INDEX, triggeredWorkload);
    const triggered = { "diagnose.dev/trigger": "PodRestart" };
    const web = { "diagnose.dev/workload": "Deployment/web" };
    s.set(diagnosis("web-oom-1", triggered, web));
    s.set(diagnosis("manual", {}, web));
    s.set({
      ...diagnosis("other-ns", triggered, web),
      metadata: { namespace: "blog", name: "x", labels: triggered, annotations: web },
    });
    s.set(diagnosis("api-oom-1", triggered, { "diagnose.dev/workload": "Deployment/api" }));
    s.set(diagnosis("no-workload", triggered, {}));
    expect(
      s.byIndex(TRIGGERED_WORKLOAD_INDEX, "shop/Deployment/web").map((d) => d.metadata.name),
    ).to.deep.equal(["web-oom-1"]);
    expect(s.byIndex(TRIGGERED_WORKLOAD_INDEX, "blog/Deployment/web")).to.have.length(1);
  });
});
