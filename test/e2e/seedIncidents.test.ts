/**
 * End to end on a real one-node cluster on this machine (hack/cluster-up.sh --full): the
 * operator runs in the cluster from the Helm chart with the locally built image, and the seed
 * incidents happen for real in pods.
 *   S1: a JVM with -Xmx1g under a 256Mi limit is OOM-killed by the kernel; the kubelet reports
 *       exit 137 OOMKilled; the operator creates a Diagnosis by itself; the collector
 *       Job runs on the node; the Diagnosis names the cgroup OOM kill and the heap, with a heap
 *       size that fits.
 *   S2: a server pod whose own network namespace drops packets at random (iptables statistic)
 *       and has MTU 100; a manual Diagnosis names both, with their evidence.
 *   S3: a bounded SYN flood from a test pod's network namespace into a listener on the node; a
 *       cluster admin's node Diagnosis (made with the image's own kubectl-diagnose) with a 10 s
 *       profile names the flood with its softirq evidence and carries the collapsed stacks, from
 *       which the plugin renders the flame graph SVG.
 * The operator, the collector Jobs and the plugin all run from the image the Dockerfile builds
 * (hack/image/build.sh), installed by the chart by digest (image.digest).
 * Needs root; bounded by DIAGNOSE_E2E_DEADLINE_SECONDS (default 1200); prints each stage's time.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, copyFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
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
import { makeRootfsDir, openOciArchive, runInRootfs, unpackLayers } from "../support/ociImage.js";
import { mustRun } from "../support/runCommand.js";
import {
  E2E_NODE_NAME,
  type E2eCluster,
  e2eUnavailableReason,
  leftoversOf,
  startE2eCluster,
} from "./support/e2eCluster.js";
import { pidsWithArgument, startSynFlood } from "./support/podSynFlood.js";
import { createStageClock } from "./support/stageClock.js";

const DEADLINE_MS = Number(process.env.DIAGNOSE_E2E_DEADLINE_SECONDS ?? 1200) * 1000;
const JVM_IMAGE = "diagnose.local/jvm:e2e";
/** The node's address on the e2e bridge (hack/e2e/lib/node-env.sh NODE_GATEWAY). */
const E2E_NODE_IP = "10.244.0.1";
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
  /** The Dockerfile's image by digest (`repository@sha256:...`). */
  let operatorImage: string;
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
    operatorImage = c.operatorImage.byDigest;
    process.stderr.write(
      `operator image: ${operatorImage} (${c.operatorImage.ref}, ${c.operatorImage.sizeMiB} MiB, base: ${c.operatorImage.base})\n`,
    );
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
          `image.repository=${c.operatorImage.repository}`,
          "--set",
          `image.digest=${c.operatorImage.digest}`,
          "--set",
          "image.pullPolicy=Never",
          "--set",
          "replicaCount=1",
          "--set",
          "podDisruptionBudget.enabled=false",
          "--set",
          "logLevel=debug",
          // A whole CPU for the collector instead of the default 500m: on this shared 2-core
          // machine (load average ~15 from other work) S3's `perf script` at 500m outran the
          // collector's profile budget (profile seconds + 30 s). hack/e2e/README.md has the numbers.
          "--set",
          "collector.resources.limits.cpu=1",
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

  it("the operator runs from the Dockerfile's image, installed by digest", async () => {
    const pods = await core.listNamespacedPod({ namespace: "diagnose-operator" });
    expect(pods.items).to.have.length(1);
    const pod = pods.items[0]!;
    expect(pod.spec!.containers[0]!.image).to.equal(operatorImage);
    const status = pod.status!.containerStatuses![0]!;
    expect(status.ready).to.equal(true);
    // The runtime ran exactly the archive's manifest.
    expect(status.imageID).to.include(cluster!.operatorImage.digest);
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

  /**
   * The collector Job of a Diagnosis: on the node, host PID, not privileged and not on the host
   * network, with the capabilities its checks need; it completes.
   */
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
    expect(spec.containers[0]!.securityContext?.privileged).to.equal(undefined);
    expect(spec.hostNetwork).to.equal(undefined);
    expect(spec.containers[0]!.securityContext?.capabilities?.drop).to.deep.equal(["ALL"]);
    expect(spec.priorityClassName).to.equal("system-node-critical");
    expect(spec.containers[0]!.image).to.equal(operatorImage);
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
                image: operatorImage,
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
                image: operatorImage,
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
    // The rules' wording since #14 (as test/scenarios/s2-network.test.ts asserts it).
    expect(drop!.summary).to.include("statistic mode random probability 0.3 (30%)");
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

  it("S3: a SYN flood into the node; a cluster admin's node Diagnosis with a 10 s profile names it, and the plugin renders its flame graph", async () => {
    const ns = "e2e-s3";
    const port = 18080;
    const marker = "dgn-e2e-s3-flooder";
    await clock.time("S3 listener on the node and the flood's source pod", async () => {
      await createNamespace(ns);
      // The listener is on the node (host network), bound only to the e2e bridge's address that
      // node-up made, with a tiny backlog: the flood fills its SYN queue, the kernel answers
      // with SYN cookies. It exits by itself after five minutes.
      const listener =
        'const s = process.getBuiltinModule("node:net").createServer((c) => c.destroy());' +
        `s.listen({ host: "${E2E_NODE_IP}", port: ${port}, backlog: 4 });` +
        "setTimeout(() => process.exit(0), 300000);";
      const pod = (name: string, command: string[], hostNetwork: boolean) =>
        core.createNamespacedPod({
          namespace: ns,
          body: {
            metadata: { name },
            spec: {
              terminationGracePeriodSeconds: 1,
              hostNetwork,
              containers: [
                {
                  name,
                  image: operatorImage,
                  imagePullPolicy: "Never",
                  command,
                  resources: { limits: { cpu: "100m", memory: "64Mi" } },
                },
              ],
            },
          },
        });
      await pod("listener", ["node", "-e", listener], true);
      // The flood's source: a pod whose network namespace (made by the CNI plugin for this test)
      // hping3 runs in; the marker argument finds its process from the host.
      await pod("flooder", ["node", "-e", "setTimeout(() => {}, 300000)", marker], false);
      for (const name of ["listener", "flooder"])
        await waitFor(`pod ${name} Running`, 120_000, async () => {
          const p = await core.readNamespacedPod({ namespace: ns, name });
          return p.status?.phase === "Running" ? true : undefined;
        });
    });
    const [flooderPid] = pidsWithArgument(marker);
    expect(flooderPid, `a process with argument ${marker}`).to.be.a("number");

    // The image's own files: the plugin runs from them as the cluster admin.
    const image = openOciArchive(cluster!.operatorImage.archive, tmpdir());
    const root = makeRootfsDir(tmpdir());
    const flood = startSynFlood({
      netnsPid: flooderPid!,
      target: E2E_NODE_IP,
      port,
      // In the pod network, never handed out by host-local (it counts up from .2): SYN-ACKs
      // to it go unanswered.
      spoofedSource: "10.244.0.250",
      seconds: 60,
      intervalMicros: 100,
    });
    try {
      await clock.time("S3 unpack the image for its kubectl-diagnose", async () =>
        unpackLayers(image, root),
      );
      copyFileSync(cluster!.kubeconfigPath, join(root, "tmp", "admin.kubeconfig"));
      chmodSync(join(root, "tmp", "admin.kubeconfig"), 0o644);
      const plugin = (args: string[]) =>
        runInRootfs(
          root,
          ["kubectl-diagnose", ...args, "-n", ns, "--kubeconfig", "/tmp/admin.kubeconfig"],
          {
            user: image.config.User ?? "65532:65532",
            env: image.config.Env ?? [],
            timeoutMs: 60_000,
          },
        );

      const name = "syn-flood";
      await sleep(2000);
      const created = plugin([
        "node",
        E2E_NODE_NAME,
        "--checks",
        "softirq,profile",
        "--profile",
        "10s",
        // Half the default 99 Hz: ~1000 samples on 2 CPUs, for the same reason as the CPU limit.
        "--profile-frequency",
        "49",
        "--name",
        name,
        "-o",
        "name",
      ]);
      expect(created.status, created.stderr).to.equal(0);
      expect(created.stdout.trim()).to.equal(`diagnosis.diagnose.dev/${name}`);
      const done = await clock.time("S3 node Diagnosis (softirq + 10 s profile) to Succeeded", () =>
        waitFinished(ns, name, 240_000),
      );
      flood.stop();
      const hping = await flood.done;
      expect(hping.output, "hping3's summary").to.match(/packets transmitted/);
      const status = done.status!;
      expect(status.phase, JSON.stringify(status, null, 1).slice(0, 4000)).to.equal("Succeeded");
      expect(done.spec.target.node).to.equal(E2E_NODE_NAME);

      const syn = status.findings!.find((f) => f.code === "SynFlood");
      expect(syn, JSON.stringify(codes(status.findings))).to.not.equal(undefined);
      expect(syn!.severity).to.equal("Critical");
      expect(syn!.summary)
        .to.match(/on the node/)
        .and.to.match(new RegExp(`port ${port}`));
      const perSecond = (syn!.evidence as { perSecond: { syncookiesSent: number } }).perSecond;
      expect(perSecond.syncookiesSent).to.be.greaterThan(100);

      const checks = status.report!.checks as Record<
        string,
        { status: string; data?: Record<string, unknown>; truncated?: boolean }
      >;
      expect(checks.softirq?.status, JSON.stringify(checks.softirq)).to.equal("ok");
      const rates = (checks.softirq?.data?.total as { softirqRates?: Record<string, number> })
        ?.softirqRates;
      if (rates) expect(rates.NET_RX ?? 0, "NET_RX/s").to.be.greaterThan(1000);
      expect(checks.profile?.status, JSON.stringify(checks.profile)).to.equal("ok");
      const collapsed = checks.profile!.data!.collapsed as { encoding: string; data: string };
      expect(collapsed.encoding).to.equal("gzip+base64");
      const folded = gunzipSync(Buffer.from(collapsed.data, "base64")).toString("utf8");
      expect(folded).to.match(/net_rx_action/);
      expect(checks.profile!.data!.samples as number).to.be.greaterThan(100);
      expect(checks.profile!.data!.frequency).to.equal(49);

      const svg = await clock.time(
        "S3 kubectl diagnose flamegraph (the image's plugin)",
        async () => plugin(["flamegraph", name, "-o", "-"]),
      );
      expect(svg.status, svg.stderr).to.equal(0);
      const lint = spawnSync("xmllint", ["--noout", "-"], { input: svg.stdout, encoding: "utf8" });
      expect(lint.status, lint.stderr).to.equal(0);
      expect(svg.stdout)
        .to.match(/^<\?xml|^<svg/)
        .and.to.include("net_rx_action");
      const out = join(tmpdir(), "dgn-e2e-s3-flamegraph.svg");
      writeFileSync(out, svg.stdout);
      process.stderr.write(
        `S3 findings: ${status.findings!.map((f) => `${f.severity} ${f.code}`).join(", ")}\n` +
          `  ${syn!.summary}\n  rates ${JSON.stringify(rates ?? {})}; profile ${String(checks.profile!.data!.samples)} samples; flame graph ${out} (${svg.stdout.length} bytes)\n`,
      );
    } finally {
      flood.stop();
      await flood.done;
      image.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
