/**
 * Steps 2-4: the real local control plane with the Diagnosis CRD, this machine registered as a
 * Node whose kubelet endpoint is the stand-in, the operator as a child process, and the demo's
 * namespace. Everything started here is registered for cleanup as soon as it exists.
 */
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { ControlPlane } from "../support/controlPlane.js";
import { KubeletStandIn } from "../support/kubeletStandIn.js";
import { OPERATOR_NAMESPACE, startClusterWithCrd } from "../support/operatorHarness.js";
import { OperatorProcess } from "../support/operatorProcess.js";
import type { CleanupStack } from "./cleanupStack.js";
import type { Progress } from "./progress.js";
import { waitUntil } from "./waitUntil.js";

export interface DemoCluster {
  cp: ControlPlane;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  kubelet: KubeletStandIn;
  operator: OperatorProcess;
  nodeName: string;
  namespace: string;
  workDir: string;
}

export async function startControlPlaneWithCrd(
  progress: Progress,
  cleanup: CleanupStack,
): Promise<ControlPlane> {
  progress.info("etcd, kube-apiserver, kube-controller-manager on free ports (hack/cluster-up.sh)");
  const cp = await startClusterWithCrd();
  cleanup.defer("control plane", () => cp.stop());
  progress.info(`ready at ${cp.server} in ${(cp.startupMs / 1000).toFixed(1)}s`);
  progress.info(
    `CRD diagnoses.diagnose.dev established; namespace ${OPERATOR_NAMESPACE} and ServiceAccount diagnose-collector created`,
  );
  return cp;
}

export async function registerNode(
  cp: ControlPlane,
  nodeName: string,
  progress: Progress,
  cleanup: CleanupStack,
): Promise<KubeletStandIn> {
  const kubelet = new KubeletStandIn(cp.kubeConfig, nodeName);
  cleanup.defer("kubelet stand-in", () => kubelet.stop());
  await kubelet.start();
  progress.info(
    `Node ${nodeName} registered, Ready, kubelet endpoint 127.0.0.1:${kubelet.port} (the stand-in: serves pods/log)`,
  );
  return kubelet;
}

export async function startOperator(
  cp: ControlPlane,
  workDir: string,
  progress: Progress,
  cleanup: CleanupStack,
): Promise<OperatorProcess> {
  const logPath = join(workDir, "operator.log");
  const args = ["--auto-trigger=true", "--cooldown-seconds=600", "--max-jobs-per-node=1"];
  progress.info(
    `node --import tsx operator/controller/main.ts --namespace=${OPERATOR_NAMESPACE} ${args.join(" ")}`,
  );
  const operator = await OperatorProcess.start({
    kubeconfigPath: cp.kubeconfigPath,
    namespace: OPERATOR_NAMESPACE,
    logPath,
    args,
  });
  cleanup.defer("operator", () => operator.stop(5_000));
  // On Ctrl-C the control plane's own signal hook (test/support/controlPlane.ts) stops it
  // synchronously; with the operator's watches still open the API server takes ~10 s to go.
  cleanup.deferUrgent(() => operator.child.kill("SIGKILL"));
  const ms = await operator.waitReadyAndLeader(60_000, 200);
  progress.info(
    `operator pid ${operator.pid}: caches synced, leader, in ${(ms / 1000).toFixed(1)}s (log ${logPath})`,
  );
  return operator;
}

export async function createDemoNamespace(
  core: CoreV1Api,
  namespace: string,
  signal: AbortSignal,
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // The ServiceAccount admission rejects pods until the controller-manager made "default".
  await waitUntil(signal, `the default ServiceAccount in ${namespace}`, 30_000, () =>
    core.readNamespacedServiceAccount({ namespace, name: "default" }).then(
      () => true,
      () => false,
    ),
  );
}

export function apiClients(kc: KubeConfig): Pick<DemoCluster, "core" | "apps" | "custom"> {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}
