/**
 * The operator's own apiserver access (runtime/kubeAccess.ts, restClient.ts) against a real
 * kube-apiserver: through the control plane's kubeconfig (a client certificate), and as a pod
 * would, from a service account token and the cluster CA at the in-cluster paths (the files are
 * written where the test can, and the loader's file access maps the pod's paths there).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { expect } from "chai";
import { parse } from "yaml";
import { apiStatusCode } from "../../operator/controller/runtime/apiStatusCode.js";
import { loadKubeAccess } from "../../operator/controller/runtime/kubeAccess.js";
import { RestClient } from "../../operator/controller/runtime/restClient.js";
import { type ControlPlane, startControlPlane } from "../support/controlPlane.js";

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

describe("operator apiserver access (kubeconfig and in-cluster) on a real kube-apiserver", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let dir: string;

  before(async () => {
    cp = await startControlPlane({ quiet: true });
    dir = mkdtempSync(join(tmpdir(), "kube-access-"));
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cp?.stop();
  });

  it("with the kubeconfig (client certificate): reads; a missing object is a 404", async () => {
    const access = await loadKubeAccess({
      env: { KUBECONFIG: cp!.kubeconfigPath },
      home: dir,
      exists: () => true,
      readFile: (p) => readFileSync(p),
      parseYaml: async (t) => parse(t) as unknown,
      now: () => Date.now(),
    });
    const rest = new RestClient(access);
    const ns = await rest.request<{ metadata: { name: string } }>(
      "GET",
      "/api/v1/namespaces/default",
    );
    expect(ns.metadata.name).to.equal("default");
    const missing = await rest.request("GET", "/api/v1/namespaces/nope").catch((e: unknown) => e);
    expect(apiStatusCode(missing)).to.equal(404);
  });

  it("in a pod: the service account token is who the apiserver sees", async () => {
    const core = cp!.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = "kube-access";
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "op" } } });
    const token = await core.createNamespacedServiceAccountToken({
      namespace,
      name: "op",
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const files: Record<string, string> = {
      [`${SA_DIR}/token`]: join(dir, "token"),
      [`${SA_DIR}/ca.crt`]: join(dir, "ca.crt"),
    };
    writeFileSync(files[`${SA_DIR}/token`]!, token.status?.token ?? "");
    writeFileSync(files[`${SA_DIR}/ca.crt`]!, readFileSync(join(cp!.dir, "pki", "ca.crt")));
    const server = new URL(cp!.server);
    const access = await loadKubeAccess({
      env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port },
      home: dir,
      exists: (p) => p in files,
      readFile: (p) => readFileSync(files[p] ?? p),
      parseYaml: async () => {
        throw new Error("no kubeconfig in a pod");
      },
      now: () => Date.now(),
    });
    expect(access.getCurrentCluster()?.server).to.equal(
      `https://${server.hostname}:${server.port}`,
    );
    // No RBAC for this account: refused, by name, so the token was read and verified.
    const refused = await new RestClient(access)
      .request("GET", "/api/v1/namespaces/default/pods")
      .catch((e: unknown) => e);
    expect(apiStatusCode(refused)).to.equal(403);
    expect((refused as Error).message).to.include(`system:serviceaccount:${namespace}:op`);
  });
});
