/**
 * Integration harness for the reconcilers: a real control plane (test/support/controlPlane.ts)
 * with the generated CRD applied, the operator's namespace and collector ServiceAccount, and the
 * real operator runtime (informers, queue, leader election off) running setupControllersWith.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  loadYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import winston from "winston";
import { GROUP, PLURAL } from "../../operator/api/v1alpha1/diagnosis.js";
import { parseOperatorConfig } from "../../operator/controller/config.js";
import { type RunningOperator, startOperator } from "../../operator/controller/operator.js";
import type { SetupOverrides } from "../../operator/controller/setup.js";
import { setupControllersWith } from "../../operator/controller/setup.js";
import {
  type ControlPlane,
  type ControlPlaneOptions,
  repoRoot,
  startControlPlane,
} from "./controlPlane.js";

export const OPERATOR_NAMESPACE = "diagnose-system";

import { waitFor } from "./waitFor.js";

export { sleep, waitFor } from "./waitFor.js";

export async function startClusterWithCrd(
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  const cp = await startControlPlane({ quiet: true, ...options });
  const ext = cp.kubeConfig.makeApiClient(ApiextensionsV1Api);
  // loadYaml maps the YAML's field names (x-kubernetes-preserve-unknown-fields) to the client's
  // model names; a plain YAML parse would have the serializer drop them, and the server then
  // prunes every free-form field.
  const crd = loadYaml<V1CustomResourceDefinition>(
    readFileSync(join(repoRoot, "crds", "diagnose.dev_diagnoses.yaml"), "utf8"),
  );
  await ext.createCustomResourceDefinition({ body: crd });
  const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
  await waitFor("the Diagnosis CRD to be served", 30_000, async () => {
    const c = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
    if (c.status?.conditions?.find((x) => x.type === "Established")?.status !== "True")
      return false;
    try {
      await custom.listClusterCustomObject({ group: GROUP, version: "v1alpha1", plural: PLURAL });
      return true;
    } catch {
      return false;
    }
  });
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: OPERATOR_NAMESPACE } } });
  await core.createNamespacedServiceAccount({
    namespace: OPERATOR_NAMESPACE,
    body: { metadata: { name: "diagnose-collector" }, automountServiceAccountToken: false },
  });
  return cp;
}

export interface OperatorUnderTest {
  operator: RunningOperator;
  logPath: string;
  stop(): Promise<void>;
}

/** Runs the real operator runtime in this process with the reconcilers; extra flags as argv. */
export async function startTestOperator(
  cp: ControlPlane,
  argv: string[],
  overrides: SetupOverrides,
): Promise<OperatorUnderTest> {
  const parsed = parseOperatorConfig(
    [`--namespace=${OPERATOR_NAMESPACE}`, "--metrics-port=0", "--leader-elect=false", ...argv],
    {},
    { hostname: "integration", pid: process.pid },
  );
  if (parsed.kind !== "config") throw new Error(`operator config: ${JSON.stringify(parsed)}`);
  const dir = mkdtempSync(join(tmpdir(), "diagnose-operator-log-"));
  const logPath = join(dir, "operator.log");
  const logger = winston.createLogger({
    level: "debug",
    format: winston.format.json(),
    transports: [new winston.transports.File({ filename: logPath })],
  });
  const operator = await startOperator({
    config: parsed.config,
    kubeConfig: cp.kubeConfig,
    logger,
    host: "127.0.0.1",
    setupControllers: (deps) => setupControllersWith(deps, overrides),
    onFatal: (reason) => logger.error("fatal", { reason }),
  });
  return {
    operator,
    logPath,
    async stop() {
      await operator.stop();
      logger.close();
      if (!process.env.KEEP_OPERATOR_LOG) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a namespace and waits for its default ServiceAccount, which the controller-manager
 * makes a moment later: until then the ServiceAccount admission plugin refuses its pods.
 */
export async function createNamespaceForPods(
  core: CoreV1Api,
  name: string,
  labels?: Record<string, string>,
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, ...(labels ? { labels } : {}) } } });
  await waitFor(`the default ServiceAccount in ${name}`, 30_000, async () =>
    core.readNamespacedServiceAccount({ namespace: name, name: "default" }).then(
      () => true,
      () => false,
    ),
  );
}
