import { BatchV1Api, CoreV1Api, type V1Pod, VersionApi } from "@kubernetes/client-node";
import { expect } from "chai";
import {
  type ControlPlane,
  pinnedKubernetesVersion,
  startControlPlane,
} from "../support/controlPlane.js";
import { waitFor } from "../support/waitFor.js";

describe("local control plane (etcd + kube-apiserver + kube-controller-manager)", function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;

  before(async () => {
    cp = await startControlPlane();
  });

  after(async () => {
    await cp?.stop();
  });

  it("reports the pinned Kubernetes version on /version", async () => {
    const info = await cp!.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).to.equal(pinnedKubernetesVersion());
    expect(`v${info.major}.${info.minor}`).to.equal(
      pinnedKubernetesVersion().replace(/\.\d+$/, ""),
    );
  });

  it("runs the Job controller and the garbage collector", async () => {
    const core = cp!.kubeConfig.makeApiClient(CoreV1Api);
    const batch = cp!.kubeConfig.makeApiClient(BatchV1Api);
    const namespace = "cp-test";
    const name = "sleeper";
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const job = await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "3600"] }],
            },
          },
        },
      },
    });
    const jobUid = job.metadata?.uid;
    expect(jobUid).to.be.a("string");

    const ownedPods = async (): Promise<V1Pod[]> => {
      const pods = await core.listNamespacedPod({ namespace });
      return pods.items.filter((p) =>
        (p.metadata?.ownerReferences ?? []).some((o) => o.kind === "Job" && o.uid === jobUid),
      );
    };

    const pod = await waitFor("a Pod owned by the Job", 60_000, async () => (await ownedPods())[0]);
    expect(pod.status?.phase).to.equal("Pending");

    await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" });
    await waitFor("the Job's Pods to be garbage-collected", 60_000, async () =>
      (await ownedPods()).length === 0 ? true : undefined,
    );
  });
});
