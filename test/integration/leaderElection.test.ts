/**
 * Leader election against a real kube-apiserver: in-process electors over a real Lease, then the
 * real diagnose-operator entry as two processes (graceful SIGTERM hand-over, SIGKILL take-over
 * after lease expiry), checking /healthz, /readyz and the leader gauge on /metrics.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { parse } from "yaml";
import { LeaderElector } from "../../operator/controller/runtime/leaderElection.js";
import { LeaseLock } from "../../operator/controller/runtime/leaseLock.js";
import { type ControlPlane, repoRoot, startControlPlane } from "../support/controlPlane.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - start;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

interface OperatorProcess {
  identity: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe("leader election over a real Lease", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  const namespace = `le-${process.pid}-${Date.now().toString(36)}`;
  const children: OperatorProcess[] = [];
  const electors: LeaderElector[] = [];

  const leaseHolder = async (name: string): Promise<string | undefined> => {
    try {
      const lease = await cp!.kubeConfig
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name, namespace });
      return lease.spec?.holderIdentity ?? "";
    } catch {
      return undefined;
    }
  };

  before(async () => {
    cp = await startControlPlane({ quiet: true });
    await cp.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: namespace } } });
    const crd = parse(
      readFileSync(join(repoRoot, "crds", "diagnose.dev_diagnoses.yaml"), "utf8"),
    ) as V1CustomResourceDefinition;
    const ext = cp.kubeConfig.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: crd });
    await waitFor("CRD established", async () => {
      const got = await ext.readCustomResourceDefinition({ name: crd.metadata?.name ?? "" });
      return (
        got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ??
        false
      );
    });
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
      await c.exited;
    }
  });

  after(async () => {
    await cp?.stop();
  });

  it("two in-process electors on one Lease: exactly one leads; a release hands over at once", async () => {
    const leaders = new Set<string>();
    const mk = (identity: string) =>
      new LeaderElector({
        lock: new LeaseLock(cp!.kubeConfig, namespace, "inproc"),
        identity,
        leaseDurationMs: 4000,
        renewDeadlineMs: 3000,
        retryPeriodMs: 500,
        callbacks: {
          onStartedLeading: () => leaders.add(identity),
          onStoppedLeading: () => leaders.delete(identity),
        },
      });
    const a = mk("a");
    const b = mk("b");
    electors.push(a, b);
    void a.start();
    void b.start();
    await waitFor("a leader", () => leaders.size > 0);
    // Several renew periods: still exactly one, and the Lease names it.
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      expect(leaders.size).to.equal(1);
    }
    const [leader] = [...leaders];
    expect(await leaseHolder("inproc")).to.equal(leader);
    const [first, second] = leader === "a" ? [a, b] : [b, a];
    const t0 = Date.now();
    await first.stop();
    await waitFor("hand-over", () => second.isLeader(), 4000);
    expect(
      Date.now() - t0,
      "released lease is taken over well within the lease duration",
    ).to.be.below(2500);
    expect(await leaseHolder("inproc")).to.equal(leader === "a" ? "b" : "a");
  });

  function startOperator(identity: string, port: number): OperatorProcess {
    let out = "";
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "operator/controller/main.ts",
        "--namespace",
        namespace,
        "--metrics-port",
        String(port),
        "--lease-duration-seconds",
        "4",
        "--renew-deadline-seconds",
        "3",
        "--retry-period-seconds",
        "1",
        "--log-level",
        "debug",
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, KUBECONFIG: cp!.kubeconfigPath, POD_NAME: identity },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const p = { identity, port, child, output: () => out, exited };
    children.push(p);
    return p;
  }

  const leaderGauge = async (port: number): Promise<string | undefined> =>
    /^diagnose_operator_leader (\d)$/m.exec((await httpGet(port, "/metrics")).body)?.[1];

  it("diagnose-operator: one leader of two; SIGTERM hands over fast and exits 0; SIGKILL is taken over after lease expiry", async () => {
    const a = startOperator("op-a", await freePort());
    const b = startOperator("op-b", await freePort());
    await waitFor(
      "a lease holder",
      async () => ["op-a", "op-b"].includes((await leaseHolder("diagnose-operator")) ?? ""),
      30_000,
    );
    for (const p of [a, b]) {
      await waitFor(
        `${p.identity} ready`,
        async () => (await httpGet(p.port, "/readyz")).status === 200,
        30_000,
      );
      expect((await httpGet(p.port, "/healthz")).status).to.equal(200);
    }
    const holder = await leaseHolder("diagnose-operator");
    const [leader, standby] = holder === "op-a" ? [a, b] : [b, a];
    expect(await leaderGauge(leader.port)).to.equal("1");
    expect(await leaderGauge(standby.port)).to.equal("0");
    const metrics = (await httpGet(leader.port, "/metrics")).body;
    expect(metrics).to.match(/^diagnose_operator_informer_synced\{informer="diagnoses"\} 1$/m);
    expect(metrics).to.match(/^diagnose_operator_informer_synced\{informer="pods"\} 1$/m);
    // Controller and API client metrics under controller-runtime's names: the informers' lists
    // (node:https) and the leader's create of the fresh Lease (client-node, undici) are counted
    // by code, method and host.
    const apiHost = new URL(cp!.kubeConfig.getCurrentCluster()!.server).host;
    for (const [code, method] of [
      ["200", "GET"],
      ["201", "POST"],
    ])
      expect(metrics).to.match(
        new RegExp(
          `^rest_client_requests_total\\{code="${code}",method="${method}",host="${apiHost}"\\} [1-9]`,
          "m",
        ),
      );
    for (const family of [
      "# TYPE controller_runtime_reconcile_total counter",
      "# TYPE controller_runtime_reconcile_errors_total counter",
      "# TYPE controller_runtime_reconcile_time_seconds histogram",
      "# TYPE workqueue_depth gauge",
      "# TYPE workqueue_adds_total counter",
      "# TYPE workqueue_queue_duration_seconds histogram",
    ])
      expect(metrics).to.include(family);

    // Graceful: SIGTERM -> lease released, exit 0 within a few seconds, standby takes over fast.
    const t0 = Date.now();
    leader.child.kill("SIGTERM");
    const code = await Promise.race([leader.exited, sleep(8000).then(() => "timeout")]);
    expect(code, leader.output().slice(-2000)).to.equal(0);
    const exitMs = Date.now() - t0;
    await waitFor(
      "standby takes over",
      async () => (await leaseHolder("diagnose-operator")) === standby.identity,
      8000,
    );
    const handoverMs = Date.now() - t0;
    expect(handoverMs, "released lease needs no expiry wait").to.be.below(4000);
    await waitFor(
      "standby reports leader",
      async () => (await leaderGauge(standby.port)) === "1",
      5000,
    );

    // Crash: a third replica joins, then the leader is SIGKILLed (no release).
    const c = startOperator("op-c", await freePort());
    await waitFor(
      "op-c ready",
      async () => (await httpGet(c.port, "/readyz")).status === 200,
      30_000,
    );
    await sleep(1500);
    expect(await leaseHolder("diagnose-operator")).to.equal(standby.identity);
    const t1 = Date.now();
    standby.child.kill("SIGKILL");
    await waitFor(
      "op-c takes over",
      async () => (await leaseHolder("diagnose-operator")) === "op-c",
      15_000,
    );
    const takeoverMs = Date.now() - t1;
    expect(takeoverMs, "not before the lease could have expired").to.be.at.least(2500);
    expect(takeoverMs, "within lease duration + retry jitter").to.be.below(
      4000 + 2 * 1000 * 2.2 + 1000,
    );
    process.stderr.write(
      `      SIGTERM exit ${exitMs} ms, hand-over ${handoverMs} ms; SIGKILL take-over ${takeoverMs} ms (lease 4 s)\n`,
    );
  });
});
