/** The Kubernetes edge of the plugin: kubeconfig loading and Diagnosis create/get. */
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { type Diagnosis, GROUP, PLURAL, VERSION } from "../api/v1alpha1/diagnosis.js";
import type { NewDiagnosis } from "./buildDiagnosis.js";
import type { GlobalOptions } from "./parseCliArgs.js";

export interface DiagnosisClient {
  create(d: NewDiagnosis): Promise<Diagnosis>;
  get(namespace: string, name: string): Promise<Diagnosis>;
}

/** A failure to report to the user as-is (exit code 3). */
export class CliError extends Error {
  override name = "CliError";
}

/** kubectl's precedence: --kubeconfig, else $KUBECONFIG, else ~/.kube/config (or in-cluster). */
export function loadKubeConfig(global: GlobalOptions): {
  kubeConfig: KubeConfig;
  namespace: string;
} {
  const kc = new KubeConfig();
  try {
    if (global.kubeconfig) kc.loadFromFile(global.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new CliError(`cannot load kubeconfig: ${(e as Error).message}`);
  }
  if (global.context) {
    if (!kc.getContextObject(global.context))
      throw new CliError(`context "${global.context}" not found in the kubeconfig`);
    kc.setCurrentContext(global.context);
  }
  const namespace =
    global.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  return { kubeConfig: kc, namespace };
}

/** "Error from server (NotFound): ..." as kubectl words it, from a client-node ApiException. */
export function describeApiError(e: unknown): string {
  const err = e as { code?: number; body?: unknown; message?: string; cause?: { code?: string } };
  if (typeof err.code === "number") {
    let body = err.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // not JSON: use it as the message
      }
    }
    const status = body as { reason?: string; message?: string } | string | undefined;
    if (status && typeof status === "object" && status.message)
      return `Error from server (${status.reason ?? err.code}): ${status.message}`;
    return `Error from server (HTTP ${err.code}): ${typeof status === "string" ? status : (err.message ?? "")}`.trim();
  }
  const cause = err.cause?.code ? ` (${err.cause.code})` : "";
  return `cannot reach the cluster: ${err.message ?? String(e)}${cause}`;
}

export function kubernetesDiagnosisClient(kc: KubeConfig): DiagnosisClient {
  const api = kc.makeApiClient(CustomObjectsApi);
  const base = { group: GROUP, version: VERSION, plural: PLURAL };
  return {
    async create(d) {
      const namespace = d.metadata.namespace ?? "default";
      return (await api.createNamespacedCustomObject({ ...base, namespace, body: d })) as Diagnosis;
    },
    async get(namespace, name) {
      return (await api.getNamespacedCustomObject({ ...base, namespace, name })) as Diagnosis;
    },
  };
}
