/**
 * The CRD travels with the release: `helm upgrade` with the real helm against a real
 * kube-apiserver adds a schema field that the previous chart version's CRD lacked.
 *
 * The previous versions are made by this test from the current chart, so the run needs no git
 * history or network and the schema difference is known: a copy of charts/diagnose-operator
 * whose CRD lacks spec.profile.kernelThread, rendered by the same generator,
 *  - as a template (templates/crd.yaml): what every upgrade from 0.2.0 on looks like;
 *  - in crds/ with no template, the layout chart 0.1.0 shipped (Helm installs a crds/ CRD once
 *    and never upgrades it); moving to the template needs `--take-ownership` once (README).
 * A field the installed schema lacks is pruned by the API server; once upgraded it is kept.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { parse } from "yaml";
import {
  CRD_PATH,
  type CustomResourceDefinition,
  renderChartCrdTemplate,
  renderCrdYaml,
} from "../../hack/devtools.js";
import { type ControlPlane, startControlPlane } from "../support/controlPlane.js";
import { CHART_DIR, helm, helmOk } from "../support/helm.js";
import { waitFor } from "../support/waitFor.js";

const CRD_NAME = "diagnoses.diagnose.dev";
const APP_NS = "shop";
const REF = { group: "diagnose.dev", version: "v1alpha1", namespace: APP_NS, plural: "diagnoses" };

/** The schema of spec.profile in a CRD object (live or generated). */
function profileSchema(crd: V1CustomResourceDefinition | CustomResourceDefinition) {
  const spec = crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec;
  return spec?.properties?.profile;
}

/** A copy of the chart as an earlier version: its CRD without spec.profile.kernelThread. */
function previousChart(
  parent: string,
  version: string,
  layout: "template" | "crds folder",
): string {
  const dir = join(parent, `diagnose-operator-${version}`);
  cpSync(CHART_DIR, dir, { recursive: true });
  const crd = parse(readFileSync(CRD_PATH, "utf8")) as CustomResourceDefinition;
  const profile = profileSchema(crd);
  if (!profile?.properties?.kernelThread) throw new Error("the current CRD has no kernelThread");
  delete profile.properties.kernelThread;
  rmSync(join(dir, "templates", "crd.yaml"));
  if (layout === "template")
    writeFileSync(join(dir, "templates", "crd.yaml"), renderChartCrdTemplate(crd));
  else {
    mkdirSync(join(dir, "crds"));
    writeFileSync(join(dir, "crds", "diagnose.dev_diagnoses.yaml"), renderCrdYaml(crd));
  }
  const chartYaml = join(dir, "Chart.yaml");
  writeFileSync(
    chartYaml,
    readFileSync(chartYaml, "utf8").replace(/^version: .*$/m, `version: ${version}`),
  );
  return dir;
}

describe("helm upgrade carries CRD schema changes (real helm, real kube-apiserver)", function () {
  this.timeout(240_000);
  let cp: ControlPlane | undefined;
  let work: string;
  let helmEnv: NodeJS.ProcessEnv;
  const h = (args: string[]) => helmOk([...args, "--kubeconfig", cp!.kubeconfigPath], helmEnv);
  const ext = () => cp!.kubeConfig.makeApiClient(ApiextensionsV1Api);
  const custom = () => cp!.kubeConfig.makeApiClient(CustomObjectsApi);
  const liveCrd = () => ext().readCustomResourceDefinition({ name: CRD_NAME });

  before(async () => {
    cp = await startControlPlane({ quiet: true });
    work = mkdtempSync(join(tmpdir(), "diagnose-helm-upgrade-"));
    helmEnv = {
      HELM_CACHE_HOME: join(work, "cache"),
      HELM_CONFIG_HOME: join(work, "config"),
      HELM_DATA_HOME: join(work, "data"),
    };
    await cp.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: APP_NS } } });
  });

  after(async () => {
    await cp?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Creates a Diagnosis asking for kernelThread; what the server stored of it. */
  async function createWithKernelThread(name: string, dryRun = false): Promise<string | undefined> {
    const stored = (await custom().createNamespacedCustomObject({
      ...REF,
      body: {
        apiVersion: "diagnose.dev/v1alpha1",
        kind: "Diagnosis",
        metadata: { name },
        spec: { target: { node: "worker-1" }, profile: { kernelThread: "ksoftirqd" } },
      },
      ...(dryRun ? { dryRun: "All" } : {}),
    })) as { spec: { profile?: { kernelThread?: string } } };
    return stored.spec.profile?.kernelThread;
  }

  /** Until the API server serves the upgraded schema (it reloads a changed CRD asynchronously). */
  async function untilServedWithKernelThread(): Promise<void> {
    await waitFor(
      "the upgraded schema to be served",
      30_000,
      async () => (await createWithKernelThread("probe", true)) === "ksoftirqd",
    );
  }

  async function exists(name: string): Promise<boolean> {
    return custom()
      .getNamespacedCustomObject({ ...REF, name })
      .then(
        () => true,
        () => false,
      );
  }

  it("from a previous templated version: the new field arrives with helm upgrade; crds.keep=false lets uninstall delete the CRD", async () => {
    const previous = previousChart(work, "0.1.9", "template");
    const ns = ["-n", "ns-a", "--set", "collectorNamespace.name=collect-a"];
    h(["install", "upgrade-a", previous, ...ns, "--create-namespace"]);
    expect(profileSchema(await liveCrd())?.properties?.kernelThread).to.equal(undefined);
    expect(await createWithKernelThread("before"), "pruned by the old schema").to.equal(undefined);

    h(["upgrade", "upgrade-a", CHART_DIR, ...ns]);
    const upgraded = await liveCrd();
    expect(profileSchema(upgraded)?.properties?.kernelThread?.type).to.equal("string");
    expect(upgraded.metadata?.annotations?.["helm.sh/resource-policy"]).to.equal("keep");
    expect(upgraded.metadata?.labels?.["helm.sh/chart"]).to.match(/^diagnose-operator-0\.2\./);
    await untilServedWithKernelThread();
    expect(await createWithKernelThread("after")).to.equal("ksoftirqd");
    expect(await exists("before"), "the Diagnosis made before the upgrade").to.equal(true);

    // Without keep, the CRD is the release's like any object: uninstall deletes it.
    h(["upgrade", "upgrade-a", CHART_DIR, ...ns, "--set", "crds.keep=false"]);
    expect((await liveCrd()).metadata?.annotations?.["helm.sh/resource-policy"]).to.equal(
      undefined,
    );
    h(["uninstall", "upgrade-a", "-n", "ns-a", "--wait"]);
    await waitFor("the CRD to be deleted", 60_000, () =>
      liveCrd().then(
        () => false,
        (e: { code?: number }) => e.code === 404,
      ),
    );
  });

  it("from 0.1.0's layout (CRD in crds/): helm refuses to adopt the CRD until --take-ownership, then upgrades it and keeps it on uninstall", async () => {
    const previous = previousChart(work, "0.1.0", "crds folder");
    const ns = ["-n", "ns-b", "--set", "collectorNamespace.name=collect-b"];
    h(["install", "upgrade-b", previous, ...ns, "--create-namespace"]);
    const installed = await liveCrd();
    expect(profileSchema(installed)?.properties?.kernelThread).to.equal(undefined);
    expect(installed.metadata?.labels?.["app.kubernetes.io/managed-by"]).to.equal(undefined);
    expect(await createWithKernelThread("old")).to.equal(undefined);

    const refused = helm(
      ["upgrade", "upgrade-b", CHART_DIR, ...ns, "--kubeconfig", cp!.kubeconfigPath],
      helmEnv,
    );
    expect(refused.status).to.not.equal(0);
    expect(refused.stderr).to.match(
      /CustomResourceDefinition "diagnoses\.diagnose\.dev".*ownership/s,
    );

    h(["upgrade", "upgrade-b", CHART_DIR, ...ns, "--take-ownership"]);
    const adopted = await liveCrd();
    expect(profileSchema(adopted)?.properties?.kernelThread?.type).to.equal("string");
    expect(adopted.metadata?.labels?.["app.kubernetes.io/managed-by"]).to.equal("Helm");
    expect(adopted.metadata?.annotations).to.include({
      "helm.sh/resource-policy": "keep",
      "meta.helm.sh/release-name": "upgrade-b",
    });
    await untilServedWithKernelThread();
    expect(await createWithKernelThread("new")).to.equal("ksoftirqd");

    h(["uninstall", "upgrade-b", "-n", "ns-b", "--wait"]);
    expect((await liveCrd()).metadata?.deletionTimestamp).to.equal(undefined);
    expect(await exists("old")).to.equal(true);
    expect(await exists("new")).to.equal(true);
  });
});
