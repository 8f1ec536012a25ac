/**
 * The user's path on a real kube-apiserver: the chart installs the CRD and the aggregated roles,
 * then a namespace `edit` user (a ServiceAccount token in its own kubeconfig context) runs
 * kubectl-diagnose. No operator runs: the test writes the status the operator would write.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { expect } from "chai";
import type { Diagnosis } from "../../operator/api/v1alpha1/diagnosis.js";
import { type ControlPlane, repoRoot, startControlPlane } from "../support/controlPlane.js";
import { CHART_DIR, helmOk } from "../support/helm.js";
import { s1Diagnosis } from "../support/sampleDiagnoses.js";
import { sleep, waitFor } from "../support/waitFor.js";

const NS = "shop";
const REF = { group: "diagnose.dev", version: "v1alpha1", namespace: NS, plural: "diagnoses" };

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the plugin from source in a child process, as kubectl would run kubectl-diagnose. */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { done: Promise<CliRun>; stderrSoFar: () => string } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "operator/cli/main.ts"), ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: "", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return {
    stderrSoFar: () => stderr,
    done: new Promise((resolve) =>
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 128, stdout, stderr });
      }),
    ),
  };
}

describe("kubectl-diagnose against the chart on a real kube-apiserver", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let dir: string;
  let kubeconfig: string;
  let custom: CustomObjectsApi;

  const getDiag = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...REF, name })) as Diagnosis;
  const setStatus = async (name: string, status: Diagnosis["status"]) => {
    const current = await getDiag(name);
    await custom.replaceNamespacedCustomObjectStatus({
      ...REF,
      name,
      body: { ...current, status },
    });
  };

  /** The S1 sample's spec under `name`, without a status: what `kubectl diagnose pod` creates. */
  const createSample = async (name: string) => {
    const sample = s1Diagnosis();
    await custom.createNamespacedCustomObject({
      ...REF,
      body: {
        apiVersion: sample.apiVersion,
        kind: sample.kind,
        metadata: { name },
        spec: sample.spec,
      },
    });
    return sample;
  };

  before(async () => {
    cp = await startControlPlane();
    dir = mkdtempSync(join(tmpdir(), "diagnose-cli-"));
    helmOk(
      [
        "install",
        "diagnose",
        CHART_DIR,
        "-n",
        "diagnose-operator",
        "--create-namespace",
        "--kubeconfig",
        cp.kubeconfigPath,
      ],
      {
        HELM_CACHE_HOME: join(dir, "helm-cache"),
        HELM_CONFIG_HOME: join(dir, "helm-config"),
        HELM_DATA_HOME: join(dir, "helm-data"),
      },
    );
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await core.createNamespacedServiceAccount({
      namespace: NS,
      body: { metadata: { name: "dev" } },
    });
    await cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: "dev-edit" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [{ kind: "ServiceAccount", name: "dev", namespace: NS }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: "dev",
      namespace: NS,
      body: { spec: { expirationSeconds: 3600, audiences: [] } },
    });
    // The admin's kubeconfig plus a context for the edit user with its namespace set.
    const admin = cp.kubeConfig;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: admin.getClusters(),
      users: [...admin.getUsers(), { name: "dev", token: token.status?.token }],
      contexts: [
        ...admin.getContexts(),
        { name: "dev-shop", cluster: admin.getCurrentCluster()!.name, user: "dev", namespace: NS },
      ],
      currentContext: admin.getCurrentContext(),
    });
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });
  });

  after(async () => {
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("an edit user creates a pod Diagnosis with `kubectl diagnose pod` (namespace from the context)", async () => {
    // The aggregated edit role lands asynchronously (kube-controller-manager); retry briefly.
    let run: CliRun | undefined;
    for (let i = 0; i < 40; i++) {
      run = await cli([
        "pod",
        "web-0",
        "-c",
        "app",
        "--checks",
        "memory,jvm",
        "--timeout",
        "90s",
        "--context",
        "dev-shop",
        "--kubeconfig",
        kubeconfig,
      ]).done;
      if (run.code === 0 || !run.stderr.includes("Forbidden")) break;
      await sleep(500);
    }
    expect(run!.code, run!.stderr).to.equal(0);
    const name = /^diagnosis\.diagnose\.dev\/(web-0-[a-z0-9]{5}) created$/m.exec(run!.stdout)?.[1];
    expect(name, run!.stdout).to.be.a("string");
    const d = await getDiag(name!);
    expect(d.metadata.namespace).to.equal(NS);
    expect(d.spec).to.deep.include({
      target: { pod: "web-0", container: "app" },
      checks: ["memory", "jvm"],
      timeoutSeconds: 90,
    });
    expect(d.metadata.labels).to.deep.equal({ "app.kubernetes.io/created-by": "kubectl-diagnose" });
  });

  it("`get` renders the status the operator writes, honouring KUBECONFIG; exit 1 once Failed", async () => {
    const sample = await createSample("tomcat-oom");
    await setStatus("tomcat-oom", sample.status);
    const ok = await cli(["get", "tomcat-oom", "--context", "dev-shop"], { KUBECONFIG: kubeconfig })
      .done;
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.include(
      "Verdict:   OOMKilled by cgroup: JVM max heap 1.95GiB > limit 512MiB",
    );
    for (const code of ["JvmHeapExceedsLimit", "CgroupOomKill", "CpuThrottled"])
      expect(ok.stdout).to.include(code);

    const json = await cli([
      "get",
      "tomcat-oom",
      "-n",
      NS,
      "-o",
      "json",
      "--kubeconfig",
      kubeconfig,
    ]).done;
    expect((JSON.parse(json.stdout) as Diagnosis).status?.findings).to.have.length(3);

    await setStatus("tomcat-oom", {
      phase: "Failed",
      conditions: [
        {
          type: "Failed",
          status: "True",
          reason: "TargetNotFound",
          message: 'pod "tomcat-0" not found',
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        },
      ],
    });
    const failed = await cli([
      "get",
      "tomcat-oom",
      "--context",
      "dev-shop",
      "--kubeconfig",
      kubeconfig,
    ]).done;
    expect(failed.code).to.equal(1);
    expect(failed.stdout).to.include('Failed TargetNotFound: pod "tomcat-0" not found');
  });

  it("`--wait` follows Pending -> Running -> Succeeded written while it waits", async () => {
    const sample = await createSample("waited");
    const run = cli([
      "get",
      "waited",
      "--wait",
      "--context",
      "dev-shop",
      "--kubeconfig",
      kubeconfig,
    ]);
    // Each status is written once the CLI has shown the one before: a cold tsx start under load
    // can take longer than any fixed sleep.
    const shown = (line: string) =>
      waitFor(line, 60_000, async () => run.stderrSoFar().includes(line));
    await shown("phase Pending\n");
    await setStatus("waited", {
      phase: "Running",
      jobName: "diag-waited-1",
      conditions: [sample.status!.conditions![0]!],
    });
    await shown("phase Pending -> Running\n");
    await setStatus("waited", sample.status);
    const result = await run.done;
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/phase Pending\n/);
    expect(result.stderr).to.match(/phase Pending -> Running\n/);
    expect(result.stderr).to.match(/phase Running -> Succeeded\n/);
    expect(result.stdout).to.include("Findings (2 Critical, 1 Warning)");
  });

  it("the edit user cannot read Diagnoses outside its namespace: exit 3 with the server's reason", async () => {
    const run = await cli([
      "get",
      "tomcat-oom",
      "-n",
      "default",
      "--context",
      "dev-shop",
      "--kubeconfig",
      kubeconfig,
    ]).done;
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(
      /^error: Error from server \(Forbidden\): .*cannot get resource "diagnoses"/,
    );
    const missing = await cli(["get", "nope", "--context", "dev-shop", "--kubeconfig", kubeconfig])
      .done;
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.include(
      'Error from server (NotFound): diagnoses.diagnose.dev "nope" not found',
    );
  });
});
