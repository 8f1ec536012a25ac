/**
 * The chart against a real kube-apiserver (+ kube-controller-manager, which aggregates the
 * edit/view ClusterRoles): helm install creates every object, SubjectAccessReviews prove the
 * RBAC, helm upgrade applies a changed value, helm uninstall leaves the CRD and its Diagnoses.
 * No kubelet: the operator pods stay Pending, so nothing waits for them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type V1ResourceAttributes,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import { type ControlPlane, startControlPlane } from "../support/controlPlane.js";
import { CHART_DIR, helm, helmOk } from "../support/helm.js";
import { waitFor } from "../support/waitFor.js";

const RELEASE = "diagnose";
const RELEASE_NS = "diagnose-operator";
const COLLECTOR_NS = "diagnose-system";
const OPERATOR_SA = `system:serviceaccount:${RELEASE_NS}:diagnose-diagnose-operator`;
const COLLECTOR_SA = `system:serviceaccount:${COLLECTOR_NS}:diagnose-collector`;
const APP_NS = "shop";

const notFound = (e: unknown): boolean => (e as { code?: number }).code === 404;

/** The same cluster and credentials, acting as `user` (Impersonate-User). */
function impersonating(kc: KubeConfig, user: string): KubeConfig {
  const as = new KubeConfig();
  as.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users.map((u) => ({ ...u, impersonateUser: user })),
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return as;
}

/** The API server's refusal: HTTP code and Status message. */
async function refusal(attempt: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await attempt;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
    return { code: error.code, message: String(body?.message ?? "") };
  }
  throw new Error("expected the API server to refuse the request");
}

describe("helm chart on a real kube-apiserver", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let helmHome: string;
  let helmEnv: NodeJS.ProcessEnv;
  const h = (args: string[]) => helmOk([...args, "--kubeconfig", cp!.kubeconfigPath], helmEnv);

  before(async () => {
    cp = await startControlPlane();
    helmHome = mkdtempSync(join(tmpdir(), "diagnose-helm-"));
    helmEnv = {
      HELM_CACHE_HOME: join(helmHome, "cache"),
      HELM_CONFIG_HOME: join(helmHome, "config"),
      HELM_DATA_HOME: join(helmHome, "data"),
    };
    await cp.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: APP_NS } } });
  });

  after(async () => {
    await cp?.stop();
    if (helmHome) rmSync(helmHome, { recursive: true, force: true });
  });

  const sar = async (user: string, attrs: V1ResourceAttributes): Promise<boolean> => {
    const review = await cp!.kubeConfig
      .makeApiClient(AuthorizationV1Api)
      .createSubjectAccessReview({
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user,
            groups: user.startsWith("system:serviceaccount:")
              ? [
                  "system:serviceaccounts",
                  `system:serviceaccounts:${user.split(":")[2]}`,
                  "system:authenticated",
                ]
              : ["system:authenticated"],
            resourceAttributes: attrs,
          },
        },
      });
    return review.status?.allowed === true;
  };

  it("helm install creates every object of the release and the CRD", async () => {
    const started = Date.now();
    const installOutput = h([
      "install",
      RELEASE,
      CHART_DIR,
      "-n",
      RELEASE_NS,
      "--create-namespace",
    ]);
    // NOTES.txt, rendered: the first kubectl apply and where to look.
    expect(installOutput).to.include("Collector Jobs run in namespace diagnose-system");
    expect(installOutput).to.include("kind: Diagnosis");
    expect(installOutput).to.include("kubectl get diag -n NAMESPACE -w");
    if (process.env.SHOW_NOTES) process.stderr.write(installOutput);
    const installMs = Date.now() - started;
    const manifest = h(["get", "manifest", RELEASE, "-n", RELEASE_NS]);
    const objects = parseAllDocuments(manifest)
      .map(
        (d) =>
          d.toJS() as {
            apiVersion: string;
            kind: string;
            metadata: { name: string; namespace?: string };
          },
      )
      .filter((o) => o);
    expect(objects.map((o) => o.kind)).to.include.members([
      "Namespace",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "Role",
      "RoleBinding",
      "Service",
      "Deployment",
      "PodDisruptionBudget",
    ]);
    const api = KubernetesObjectApi.makeApiClient(cp!.kubeConfig);
    for (const o of objects) {
      const live = await api.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: {
          name: o.metadata.name,
          ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        },
      });
      expect(live.metadata?.uid, `${o.kind} ${o.metadata.name}`).to.be.a("string");
    }
    const crd = await cp!.kubeConfig
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: "diagnoses.diagnose.dev" });
    expect(crd.status?.conditions?.find((c) => c.type === "Established")?.status).to.equal("True");
    const ns = await cp!.kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: COLLECTOR_NS });
    expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).to.equal("privileged");
    process.stderr.write(`helm install: ${objects.length} objects in ${installMs} ms\n`);
  });

  it("the collector account can read no secrets or pods and create no Jobs", async () => {
    const denied: V1ResourceAttributes[] = [
      { verb: "get", resource: "secrets", namespace: COLLECTOR_NS },
      { verb: "list", resource: "secrets" },
      { verb: "get", resource: "pods", namespace: COLLECTOR_NS },
      { verb: "list", resource: "pods" },
      { verb: "create", group: "batch", resource: "jobs", namespace: COLLECTOR_NS },
      { verb: "get", group: "diagnose.dev", resource: "diagnoses", namespace: APP_NS },
    ];
    for (const attrs of denied)
      expect(await sar(COLLECTOR_SA, attrs), JSON.stringify(attrs)).to.equal(false);
  });

  it("the operator manages Jobs, pod logs and its Lease only in the collector namespace, and reads no secrets", async () => {
    const allowed: V1ResourceAttributes[] = [
      { verb: "create", group: "batch", resource: "jobs", namespace: COLLECTOR_NS },
      { verb: "delete", group: "batch", resource: "jobs", namespace: COLLECTOR_NS },
      { verb: "get", resource: "pods", subresource: "log", namespace: COLLECTOR_NS },
      { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: COLLECTOR_NS },
      { verb: "watch", resource: "pods" },
      { verb: "list", resource: "nodes" },
      { verb: "list", resource: "namespaces" },
      { verb: "create", group: "diagnose.dev", resource: "diagnoses", namespace: APP_NS },
      {
        verb: "patch",
        group: "diagnose.dev",
        resource: "diagnoses",
        subresource: "status",
        namespace: APP_NS,
      },
      {
        verb: "update",
        group: "diagnose.dev",
        resource: "diagnoses",
        subresource: "finalizers",
        namespace: APP_NS,
      },
      { verb: "create", group: "events.k8s.io", resource: "events", namespace: APP_NS },
    ];
    const denied: V1ResourceAttributes[] = [
      { verb: "get", resource: "secrets", namespace: COLLECTOR_NS },
      { verb: "get", resource: "secrets", namespace: RELEASE_NS },
      { verb: "list", resource: "secrets", namespace: APP_NS },
      { verb: "list", resource: "secrets" },
      { verb: "create", group: "batch", resource: "jobs", namespace: APP_NS },
      { verb: "get", resource: "pods", subresource: "log", namespace: APP_NS },
      { verb: "create", resource: "pods", namespace: COLLECTOR_NS },
      { verb: "delete", group: "diagnose.dev", resource: "diagnoses", namespace: APP_NS },
      { verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: APP_NS },
    ];
    for (const attrs of allowed)
      expect(await sar(OPERATOR_SA, attrs), JSON.stringify(attrs)).to.equal(true);
    for (const attrs of denied)
      expect(await sar(OPERATOR_SA, attrs), JSON.stringify(attrs)).to.equal(false);
  });

  it("a namespace edit user can create Diagnoses there, a view user only read them; neither reaches the collector namespace", async () => {
    const rbac = cp!.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    for (const [user, role] of [
      ["alice", "edit"],
      ["bob", "view"],
    ] as const) {
      await rbac.createNamespacedRoleBinding({
        namespace: APP_NS,
        body: {
          metadata: { name: `${user}-${role}` },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
        },
      });
    }
    const createDiag = {
      verb: "create",
      group: "diagnose.dev",
      resource: "diagnoses",
      namespace: APP_NS,
    };
    // kube-controller-manager's clusterrole-aggregation controller folds our roles into edit/view.
    await waitFor("the edit role to aggregate Diagnoses", 30_000, async () =>
      (await sar("alice", createDiag)) ? true : undefined,
    );
    await waitFor("the view role to aggregate Diagnoses", 30_000, async () =>
      (await sar("bob", {
        verb: "list",
        group: "diagnose.dev",
        resource: "diagnoses",
        namespace: APP_NS,
      }))
        ? true
        : undefined,
    );
    expect(
      await sar("alice", { verb: "list", resource: "pods", namespace: APP_NS }),
      "edit works",
    ).to.equal(true);
    expect(await sar("alice", { ...createDiag, namespace: "default" })).to.equal(false);
    expect(await sar("alice", { verb: "get", resource: "pods", namespace: COLLECTOR_NS })).to.equal(
      false,
    );
    expect(
      await sar("alice", {
        verb: "list",
        group: "batch",
        resource: "jobs",
        namespace: COLLECTOR_NS,
      }),
    ).to.equal(false);
    expect(
      await sar("alice", {
        verb: "update",
        group: "diagnose.dev",
        resource: "diagnoses",
        subresource: "status",
        namespace: APP_NS,
      }),
    ).to.equal(false);
    expect(await sar("bob", createDiag)).to.equal(false);
    expect(await sar("bob", { verb: "get", resource: "pods", namespace: COLLECTOR_NS })).to.equal(
      false,
    );
  });

  it("a namespace edit (or admin) user's node Diagnosis is refused at admission; a cluster admin's and a node diagnoser's are accepted, within the chart's bounds", async () => {
    const rbac = cp!.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const bind = (name: string, user: string, role: string) =>
      rbac.createNamespacedRoleBinding({
        namespace: APP_NS,
        body: {
          metadata: { name },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
        },
      });
    // dave: the namespace's admin. erin: edit, plus the node right bound in the namespace only,
    // which grants nothing (the check is cluster-wide). carol: edit, plus the node right bound
    // cluster-wide.
    await bind("dave-admin", "dave", "admin");
    await bind("erin-edit", "erin", "edit");
    await bind("erin-node", "erin", "diagnose-diagnose-operator-node-diagnoser");
    await bind("carol-edit", "carol", "edit");
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: "carol-node-diagnoser" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "diagnose-diagnose-operator-node-diagnoser",
        },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "carol" }],
      },
    });

    const ref = {
      group: "diagnose.dev",
      version: "v1alpha1",
      namespace: APP_NS,
      plural: "diagnoses",
    };
    const diagnosis = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: "diagnose.dev/v1alpha1",
      kind: "Diagnosis",
      metadata: { name },
      spec,
    });
    const as = (user: string | undefined) =>
      (user ? impersonating(cp!.kubeConfig, user) : cp!.kubeConfig).makeApiClient(CustomObjectsApi);
    const create = (user: string | undefined, name: string, spec: Record<string, unknown>) =>
      as(user).createNamespacedCustomObject({ ...ref, body: diagnosis(name, spec) });
    const onNode = { target: { node: "worker-1" } };

    // The admission plugin loads a new policy within a few seconds; dry runs go through
    // admission and store nothing.
    await waitFor("the node-target policy to be in force", 30_000, async () =>
      as("alice")
        .createNamespacedCustomObject({ ...ref, body: diagnosis("probe", onNode), dryRun: "All" })
        .then(
          () => false,
          (e) => (e as { code?: number }).code === 403,
        ),
    );

    for (const user of ["alice", "dave", "erin"]) {
      const { code, message } = await refusal(create(user, `node-by-${user}`, onNode));
      expect(code, user).to.equal(403);
      expect(message, user).to.include(
        "ValidatingAdmissionPolicy 'diagnose-diagnose-operator-node-targets'",
      );
      expect(message, user).to.include(
        `diagnosing node worker-1 needs the cluster-wide right to diagnose nodes (verb diagnose on nodes.diagnose.dev, ClusterRole diagnose-diagnose-operator-node-diagnoser); ${user} does not have it`,
      );
    }
    await create("alice", "pod-by-alice", { target: { pod: "web-0" } });
    await create("carol", "node-by-carol", onNode);
    await create(undefined, "node-by-admin", {
      target: { node: "worker-1" },
      checks: ["softirq", "profile"],
      profile: { durationSeconds: 60, frequency: 99 },
      timeoutSeconds: 300,
    });

    // The admin's bounds (chart defaults: 300 s, a 60 s profile at 99 Hz) hold for cluster-admin.
    const beyond: [Record<string, unknown>, string][] = [
      [{ timeoutSeconds: 301 }, "spec.timeoutSeconds 301 is above the 300s this cluster allows"],
      [
        { profile: { durationSeconds: 61 }, timeoutSeconds: 120 },
        "a node profile of 61s is above the 60s this cluster allows",
      ],
      [
        { profile: { frequency: 100 }, timeoutSeconds: 120 },
        "a node profile at 100 Hz is above the 99 Hz this cluster allows",
      ],
    ];
    for (const [extra, text] of beyond) {
      const { code, message } = await refusal(
        create(undefined, "node-too-much", { target: { node: "worker-1" }, ...extra }),
      );
      expect(code, text).to.equal(422);
      expect(message).to.include(text);
    }
    const stored = (await as(undefined).listNamespacedCustomObject(ref)) as {
      items: { metadata: { name: string } }[];
    };
    expect(
      stored.items
        .map((d) => d.metadata.name)
        .filter((n) => /^(node|pod)-/.test(n))
        .sort(),
      "nothing refused was stored",
    ).to.deep.equal(["node-by-admin", "node-by-carol", "pod-by-alice"]);
  });

  it("helm upgrade applies a changed value", async () => {
    const apps = cp!.kubeConfig.makeApiClient(AppsV1Api);
    const envValue = async (name: string) =>
      (
        await apps.readNamespacedDeployment({
          name: "diagnose-diagnose-operator",
          namespace: RELEASE_NS,
        })
      ).spec?.template.spec?.containers[0]?.env?.find((e) => e.name === name)?.value;
    expect(await envValue("DIAGNOSE_COOLDOWN_SECONDS")).to.equal("600");
    h([
      "upgrade",
      RELEASE,
      CHART_DIR,
      "-n",
      RELEASE_NS,
      "--reuse-values",
      "--set",
      "autoTrigger.cooldownSeconds=90,autoTrigger.namespaceSelector=diagnose.dev/auto=enabled",
    ]);
    expect(await envValue("DIAGNOSE_COOLDOWN_SECONDS")).to.equal("90");
    expect(await envValue("DIAGNOSE_AUTO_NAMESPACE_SELECTOR")).to.equal(
      "diagnose.dev/auto=enabled",
    );
    const history = JSON.parse(h(["history", RELEASE, "-n", RELEASE_NS, "-o", "json"])) as {
      revision: number;
      status: string;
    }[];
    expect(history.at(-1)).to.deep.include({ revision: 2, status: "deployed" });
  });

  it("helm uninstall removes the release but leaves the CRD and existing Diagnoses", async () => {
    const custom = cp!.kubeConfig.makeApiClient(CustomObjectsApi);
    const ref = {
      group: "diagnose.dev",
      version: "v1alpha1",
      namespace: APP_NS,
      plural: "diagnoses",
    };
    await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: "diagnose.dev/v1alpha1",
        kind: "Diagnosis",
        metadata: { name: "kept" },
        spec: { target: { pod: "web-0" } },
      },
    });
    h(["uninstall", RELEASE, "-n", RELEASE_NS]);
    expect(
      helm(["status", RELEASE, "-n", RELEASE_NS, "--kubeconfig", cp!.kubeconfigPath], helmEnv)
        .status,
    ).to.not.equal(0);

    const apps = cp!.kubeConfig.makeApiClient(AppsV1Api);
    const rbac = cp!.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const gone = async (read: () => Promise<unknown>) =>
      read().then(
        () => false,
        (e) => notFound(e),
      );
    expect(
      await gone(() =>
        apps.readNamespacedDeployment({
          name: "diagnose-diagnose-operator",
          namespace: RELEASE_NS,
        }),
      ),
    ).to.equal(true);
    expect(await gone(() => rbac.readClusterRole({ name: "diagnose-diagnose-operator" }))).to.equal(
      true,
    );
    expect(
      await gone(() => rbac.readClusterRole({ name: "diagnose-diagnose-operator-edit" })),
    ).to.equal(true);

    const crd = await cp!.kubeConfig
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: "diagnoses.diagnose.dev" });
    expect(crd.metadata?.deletionTimestamp).to.equal(undefined);
    const kept = (await custom.getNamespacedCustomObject({ ...ref, name: "kept" })) as {
      metadata: { deletionTimestamp?: string };
    };
    expect(kept.metadata.deletionTimestamp).to.equal(undefined);
  });
});
