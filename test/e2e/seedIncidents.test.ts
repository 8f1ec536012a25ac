/**
 * End to end on a real one-node cluster on this machine (hack/cluster-up.sh --full): the
 * operator runs in the cluster from the Helm chart with the locally built image, and the seed
 * incidents happen for real in pods.
 *   S1: a JVM with -Xmx1g under a 256Mi limit is OOM-killed by the kernel; the kubelet reports
 *       exit 137 OOMKilled; the operator creates a Diagnosis by itself; the privileged collector
 *       Job runs on the node; the Diagnosis names the cgroup OOM kill and the heap, with a heap
 *       size that fits.
 *   S2: a server pod whose own network namespace drops packets at random (iptables statistic)
 *       and has MTU 100; a manual Diagnosis names both, with their evidence.
 * Needs root; bounded by DIAGNOSE_E2E_DEADLINE_SECONDS (default 1200); prints each stage's time.
 */
import { once } from "node:events";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1Pod,
} from "@kubernetes/client-node";
import { expect } from "chai";
import type { Diagnosis, Finding } from "../../operator/api/v1alpha1/diagnosis.js";
import { repoRoot, toolsBinDir } from "../support/controlPlane.js";
import { mustRun } from "../support/runCommand.js";
import {
  E2E_NODE_NAME,
  type E2eCluster,
  e2eUnavailableReason,
  leftoversOf,
  startE2eCluster,
} from "./support/e2eCluster.js";
import { createStageClock } from "./support/stageClock.js";

const DEADLINE_MS = Number(process.env.DIAGNOSE_E2E_DEADLINE_SECONDS ?? 1200) * 1000;
const OPERATOR_IMAGE = "diagnose.local/diagnose-operator:e2e";
const JVM_IMAGE = "diagnose.local/jvm:e2e";
const COLLECTOR_NAMESPACE = "diagnose-system";
const GROUP = "diagnose.dev";
const VERSION = "v1alpha1";
const PLURAL = "diagnoses";

const clock = createStageClock(DEADLINE_MS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, within `ms` and the run's deadline. */
async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + Math.min(ms, clock.remainingMs());
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(1000);
  }
}

const codes = (fs: readonly Finding[] | undefined) => (fs ?? []).map((f) => f.code);

describe("e2e: the seed incidents on a real one-node cluster", function () {
  this.timeout(DEADLINE_MS);
  let cluster: E2eCluster | undefined;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  before(async function () {
    const reason = e2eUnavailableReason(toolsBinDir());
    if (reason) {
      process.stderr.write(`e2e skipped: ${reason}\n`);
      this.skip();
    }
    cluster = await clock.time("cluster up (control plane, images, node)", () =>
      startE2eCluster(tmpdir(), Math.min(600_000, clock.remainingMs())),
    );
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const c = cluster;
    await clock.time("helm install (operator from the chart)", () =>
      mustRun(
        join(c.toolsBin, "helm"),
        [
          "install",
          "diagnose",
          join(repoRoot, "charts", "diagnose-operator"),
          "--kubeconfig",
          c.kubeconfigPath,
          "--namespace",
          "diagnose-operator",
          "--create-namespace",
          "--set",
          "image.repository=diagnose.local/diagnose-operator",
          "--set",
          "image.tag=e2e",
          "--set",
          "image.pullPolicy=Never",
          "--set",
          "replicaCount=1",
          "--set",
          "podDisruptionBudget.enabled=false",
          "--set",
          "logLevel=debug",
          "--wait",
          "--timeout",
          "180s",
        ],
        { timeoutMs: Math.min(200_000, clock.remainingMs()), killSignal: "SIGTERM" },
      ),
    );
  });

  it("the node is real: its processes, bridge, cgroups and nat chain are on this host", () => {
    // Also proves the teardown check in after() can see what it looks for.
    const live = leftoversOf(cluster!.dir);
    expect(live).to.include.members([
      "interface dgn-e2e0",
      "cgroup memory/diagnose-e2e",
      "iptables nat chain DIAGNOSE-E2E",
    ]);
    expect(live.filter((l) => / \/\S+\/kubelet /.test(l))).to.have.length(1);
    expect(live.filter((l) => l.startsWith("process ") && l.includes("containerd"))).to.not.be
      .empty;
  });

  after(async function () {
    this.timeout(180_000);
    if (cluster) {
      if (this.currentTest?.state === "failed" || process.env.DIAGNOSE_E2E_DUMP)
        await dumpOperatorLog();
      const out = await clock.time("teardown (pods, node, control plane)", () => cluster!.stop());
      process.stderr.write(out);
    }
    process.stderr.write(`\ne2e stage times:\n${clock.report()}\n`);
    if (cluster)
      expect(leftoversOf(cluster.dir), "left on this host after teardown").to.deep.equal([]);
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") await dumpOperatorLog();
  });

  async function dumpOperatorLog(): Promise<void> {
    try {
      const pods = await core.listNamespacedPod({ namespace: "diagnose-operator" });
      for (const p of pods.items) {
        const log = await core.readNamespacedPodLog({
          namespace: "diagnose-operator",
          name: p.metadata!.name!,
          tailLines: 60,
        });
        process.stderr.write(`--- operator ${p.metadata!.name} log tail ---\n${log}\n`);
      }
    } catch (err) {
      process.stderr.write(`(no operator log: ${String(err)})\n`);
    }
  }

  async function createNamespace(name: string): Promise<void> {
    await core.createNamespace({ body: { metadata: { name } } });
    // The admission controller makes the default ServiceAccount a moment after the namespace.
    await waitFor(`ServiceAccount ${name}/default`, 30_000, async () =>
      (await core.readNamespacedServiceAccount({ namespace: name, name: "default" }))
        ? true
        : undefined,
    );
  }

  async function getDiagnosis(namespace: string, name: string): Promise<Diagnosis> {
    return (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
    })) as Diagnosis;
  }

  async function waitFinished(namespace: string, name: string, ms: number): Promise<Diagnosis> {
    return waitFor(`Diagnosis ${namespace}/${name} to finish`, ms, async () => {
      const d = await getDiagnosis(namespace, name);
      return d.status?.phase === "Succeeded" || d.status?.phase === "Failed" ? d : undefined;
    });
  }

  /** The collector Job of a Diagnosis: on the node, privileged, host PID; it completes. */
  async function expectCollectorJob(d: Diagnosis): Promise<void> {
    const batch = cluster!.kubeConfig.makeApiClient(BatchV1Api);
    const selector = `diagnose.dev/diagnosis-uid=${d.metadata.uid}`;
    // The operator may read the report before the Job controller has counted the pod.
    const job = await waitFor("the collector Job to complete", 60_000, async () => {
      const jobs = await batch.listNamespacedJob({
        namespace: COLLECTOR_NAMESPACE,
        labelSelector: selector,
      });
      expect(jobs.items, "collector Jobs of the Diagnosis").to.have.length(1);
      const j = jobs.items[0]!;
      expect(j.status?.failed ?? 0, JSON.stringify(j.status)).to.equal(0);
      return j.status?.succeeded === 1 ? j : undefined;
    });
    const spec = job.spec!.template.spec!;
    expect(spec.nodeName).to.equal(E2E_NODE_NAME);
    expect(spec.hostPID).to.equal(true);
    expect(spec.containers[0]!.securityContext?.privileged).to.equal(true);
    expect(spec.containers[0]!.image).to.equal(OPERATOR_IMAGE);
  }

  it("S1: a JVM over its 256Mi limit is OOM-killed (137 OOMKilled); the operator diagnoses it by itself", async () => {
    const ns = "e2e-s1";
    await clock.time("S1 workload OOM-killed by the kernel", async () => {
      await createNamespace(ns);
      // First start: -Xmx1g and 900 MiB of live heap under 256Mi: the kernel kills it. Second
      // start (the emptyDir remembers): the same -Xmx1g, 100 MiB of heap, stays up, so the
      // collector finds the running JVM whose heap can outgrow the limit again.
      const script =
        "if [ -e /state/oom-killed-once ]; then exec java -Xmx1g -cp /app Alloc 100 900; fi; " +
        ": > /state/oom-killed-once; exec java -Xmx1g -cp /app Alloc 900 60";
      await cluster!.kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: "shop-jvm" },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: "shop-jvm" } },
            template: {
              metadata: { labels: { app: "shop-jvm" } },
              spec: {
                terminationGracePeriodSeconds: 2,
                containers: [
                  {
                    name: "jvm",
                    image: JVM_IMAGE,
                    imagePullPolicy: "Never",
                    command: ["sh", "-c", script],
                    resources: {
                      requests: { cpu: "100m", memory: "256Mi" },
                      limits: { cpu: "1", memory: "256Mi" },
                    },
                    volumeMounts: [{ name: "state", mountPath: "/state" }],
                  },
                ],
                volumes: [{ name: "state", emptyDir: {} }],
              },
            },
          },
        },
      });
      const pod = await waitFor<V1Pod>(
        "the JVM container to restart after an OOM kill",
        180_000,
        async () => {
          const pods = await core.listNamespacedPod({
            namespace: ns,
            labelSelector: "app=shop-jvm",
          });
          const p = pods.items[0];
          const s = p?.status?.containerStatuses?.[0];
          return s && s.restartCount >= 1 && s.lastState?.terminated ? p : undefined;
        },
      );
      const last = pod.status!.containerStatuses![0]!.lastState!.terminated!;
      expect({ exitCode: last.exitCode, reason: last.reason }).to.deep.equal({
        exitCode: 137,
        reason: "OOMKilled",
      });
    });

    const diagnosis = await clock.time("S1 operator creates a Diagnosis", () =>
      waitFor<Diagnosis>("an automatic Diagnosis in e2e-s1", 120_000, async () => {
        const list = (await custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: PLURAL,
        })) as { items: Diagnosis[] };
        return list.items[0];
      }),
    );
    expect(diagnosis.spec.target.pod).to.match(/^shop-jvm-/);

    const done = await clock.time("S1 collector Job and analysis", () =>
      waitFinished(ns, diagnosis.metadata.name!, 300_000),
    );
    const status = done.status!;
    expect(status.phase, JSON.stringify(status, null, 1)).to.equal("Succeeded");
    expect(status.trigger?.source).to.equal("PodRestart");
    expect(status.trigger?.exitCode).to.equal(137);
    expect(codes(status.findings)).to.include.members(["OOMKilledByCgroup", "JvmHeapExceedsLimit"]);
    const heap = status.findings!.find((f) => f.code === "JvmHeapExceedsLimit")!;
    // A concrete heap size for this 256Mi limit, below the limit.
    const xmx = /-Xmx(\d+)m/.exec(heap.remediation ?? "");
    expect(xmx, heap.remediation).to.not.equal(null);
    expect(Number(xmx![1])).to.be.greaterThan(0).and.lessThan(256);
    const oom = status.findings!.find((f) => f.code === "OOMKilledByCgroup")!;
    expect(oom.source).to.equal("Collector");
    await expectCollectorJob(done);
    process.stderr.write(
      `S1 findings: ${status.findings!.map((f) => `${f.severity} ${f.code}`).join(", ")}\n  ${heap.remediation}\n`,
    );
  });

  it("S2: random DROP rules and MTU 100 in a server pod's netns; a manual Diagnosis names both with evidence", async () => {
    const ns = "e2e-s2";
    const podIP = await clock.time("S2 server pod with the faults", async () => {
      await createNamespace(ns);
      // The faults arrive with the pod: an init container with NET_ADMIN sets them in the pod's
      // own network namespace (the image holds iptables and ip).
      const faults = [
        "iptables -A INPUT -m statistic --mode random --probability 0.3 -j DROP",
        "iptables -A OUTPUT -m statistic --mode random --probability 0.3 -j DROP",
        "ip link set dev eth0 mtu 100",
      ].join(" && ");
      const server =
        'const http = process.getBuiltinModule("node:http");' +
        'http.createServer((q, s) => s.end("x".repeat(4000))).listen(8080);';
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: "web", labels: { app: "web" } },
          spec: {
            terminationGracePeriodSeconds: 1,
            initContainers: [
              {
                name: "faults",
                image: OPERATOR_IMAGE,
                imagePullPolicy: "Never",
                command: ["sh", "-c", faults],
                securityContext: {
                  runAsUser: 0,
                  runAsNonRoot: false,
                  capabilities: { add: ["NET_ADMIN", "NET_RAW"] },
                },
              },
            ],
            containers: [
              {
                name: "web",
                image: OPERATOR_IMAGE,
                imagePullPolicy: "Never",
                command: ["node", "-e", server],
                ports: [{ containerPort: 8080 }],
                resources: { limits: { cpu: "200m", memory: "128Mi" } },
              },
            ],
          },
        },
      });
      return waitFor<string>("pod web Running", 120_000, async () => {
        const p = await core.readNamespacedPod({ namespace: ns, name: "web" });
        return p.status?.phase === "Running" && p.status.podIP ? p.status.podIP : undefined;
      });
    });

    await clock.time("S2 bounded traffic from the node to the pod", async () => {
      // 40 connection attempts, 10 at a time, 1.5 s each at most: the random DROPs in INPUT
      // (SYNs) and OUTPUT (SYN-ACKs) count packets; the pod's address is on our bridge.
      const attempt = async (): Promise<boolean> => {
        const socket = connect({ host: podIP, port: 8080 });
        socket.setTimeout(1500);
        try {
          const r = await Promise.race([
            once(socket, "connect").then(() => true),
            once(socket, "timeout").then(() => false),
            once(socket, "error").then(() => false),
          ]);
          return r;
        } finally {
          socket.destroy();
        }
      };
      let connected = 0;
      for (let batch = 0; batch < 4; batch++) {
        const rs = await Promise.all(Array.from({ length: 10 }, attempt));
        connected += rs.filter(Boolean).length;
      }
      process.stderr.write(`S2 traffic: ${connected}/40 connections completed within 1.5 s\n`);
    });

    const name = "web-network";
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: "Diagnosis",
        metadata: { name },
        spec: { target: { pod: "web", container: "web" }, checks: ["network"] },
      },
    });
    const done = await clock.time("S2 manual Diagnosis to Succeeded", () =>
      waitFinished(ns, name, 240_000),
    );
    const status = done.status!;
    expect(status.phase, JSON.stringify(status, null, 1)).to.equal("Succeeded");
    expect(status.trigger?.source ?? "Manual").to.equal("Manual");

    const drop = status.findings!.find((f) => f.code === "IptablesDropRule");
    expect(drop, JSON.stringify(codes(status.findings))).to.not.equal(undefined);
    expect(drop!.severity).to.equal("Critical");
    expect(drop!.summary)
      .to.match(/INPUT/)
      .and.to.match(/OUTPUT/);
    expect(drop!.summary).to.match(/statistic mode random probability 0\.2999/);
    expect(drop!.remediation).to.include(
      "-m statistic --mode random --probability 0.29999999981 -j DROP",
    );

    const mtu = status.findings!.find((f) => f.code === "MtuMismatch");
    expect(mtu, JSON.stringify(codes(status.findings))).to.not.equal(undefined);
    expect(mtu!.severity).to.equal("Critical");
    expect(mtu!.evidence).to.include({ podMtu: 100, peerMtu: 1500 });
    expect(mtu!.remediation).to.include("mtu 1500");
    await expectCollectorJob(done);
    process.stderr.write(
      `S2 findings: ${status.findings!.map((f) => `${f.severity} ${f.code}`).join(", ")}\n`,
    );
  });
});
