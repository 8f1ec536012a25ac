/**
 * "Leading means working", against a real kube-apiserver behind a fault proxy: the operator
 * runtime (in this process, leading without an election) gives up when its caches cannot sync
 * within the sync timeout, or when its watches stay silent past the staleness bound, and says so:
 * onFatal with the reason, /healthz failing, /readyz and the last-event-age gauge showing each
 * cache. A healthy quiet watch keeps speaking (bookmarks, the server's timeout) and is never
 * taken for dead.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { expect } from "chai";
import winston from "winston";
import { parseOperatorConfig } from "../../operator/controller/config.js";
import { type RunningOperator, startOperator } from "../../operator/controller/operator.js";
import type { ControlPlane } from "../support/controlPlane.js";
import { FaultProxy } from "../support/faultProxy.js";
import { OPERATOR_NAMESPACE, startClusterWithCrd, waitFor } from "../support/operatorHarness.js";

function viaProxy(kc: KubeConfig, port: number): KubeConfig {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ ...cluster, name: "proxied", server: `https://127.0.0.1:${port}` }],
    users: [user],
    contexts: [{ name: "proxied", cluster: "proxied", user: user.name }],
    currentContext: "proxied",
  });
  return out;
}

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

describe("leading means working (real kube-apiserver behind a fault proxy)", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let proxy: FaultProxy | undefined;
  let running: RunningOperator | undefined;
  let logDir = "";

  before(async () => {
    cp = await startClusterWithCrd();
    logDir = mkdtempSync(join(tmpdir(), "leading-means-working-"));
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await proxy?.stop();
    proxy = undefined;
  });

  after(async () => {
    await cp?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  async function start(
    argv: string[],
    paused = false,
  ): Promise<{ fatal: Promise<string>; port: number }> {
    const server = new URL(cp!.server);
    proxy = new FaultProxy(server.hostname, Number(server.port));
    await proxy.start();
    if (paused) proxy.pause();
    const parsed = parseOperatorConfig(
      [
        `--namespace=${OPERATOR_NAMESPACE}`,
        "--metrics-port=0",
        "--leader-elect=false",
        "--auto-trigger=false",
        ...argv,
      ],
      {},
      { hostname: "leading", pid: process.pid },
    );
    if (parsed.kind !== "config") throw new Error(JSON.stringify(parsed));
    let onFatal: (reason: string) => void = () => {};
    const fatal = new Promise<string>((resolve) => {
      onFatal = resolve;
    });
    running = await startOperator({
      config: parsed.config,
      kubeConfig: viaProxy(cp!.kubeConfig, proxy.port),
      logger: winston.createLogger({
        level: "info",
        transports: [new winston.transports.File({ filename: join(logDir, "operator.log") })],
      }),
      host: "127.0.0.1",
      onFatal,
    });
    return { fatal, port: running.metricsPort };
  }

  it("gives up when its caches do not sync within the sync timeout", async () => {
    // Everything through the proxy is held from the start: no list can complete.
    const { fatal, port } = await start(["--cache-sync-timeout-seconds=3"], true);
    const ready = await get(port, "/readyz");
    expect(ready.status).to.equal(503);
    const reason = await Promise.race([
      fatal,
      new Promise<string>((r) => setTimeout(() => r("no fatal within 30 s"), 30_000)),
    ]);
    expect(reason).to.match(/leader not working: caches not synced within 3s/);
    const health = await get(port, "/healthz");
    expect(health.status).to.equal(503);
    expect(health.text).to.match(/caches not synced/);
  });

  it("gives up when its watches stay silent past the staleness bound, and shows their age", async () => {
    // Idle deadline 4 s: stale after 2 x 4 s + the 30 s backoff cap = 38 s.
    const { fatal, port } = await start(["--watch-idle-timeout-seconds=4"]);
    await waitFor("caches synced", 60_000, async () => (await get(port, "/readyz")).status === 200);
    // A healthy quiet watch speaks within its idle deadline: nothing is restarted as idle.
    await new Promise((r) => setTimeout(r, 10_000));
    const quiet = (await get(port, "/metrics")).text;
    expect(quiet).to.not.match(/watch_restarts_total\{[^}]*reason="idle"/);
    expect(quiet).to.match(/diagnose_operator_informer_last_event_age_seconds\{informer="pods"\} /);
    // Now every connection, open and new, goes silent for a minute.
    const stalled = Date.now();
    proxy!.stallAll(60_000);
    await waitFor("a watch restarted as idle", 20_000, async () =>
      /watch_restarts_total\{[^}]*reason="idle"[^}]*\} [1-9]/.test(
        (await get(port, "/metrics")).text,
      ),
    );
    const ages = (await get(port, "/metrics")).text;
    const podsAge = Number(
      /diagnose_operator_informer_last_event_age_seconds\{informer="pods"\} ([0-9.]+)/.exec(
        ages,
      )?.[1],
    );
    expect(podsAge).to.be.greaterThan(3);
    const reason = await Promise.race([
      fatal,
      new Promise<string>((r) => setTimeout(() => r("no fatal within 90 s"), 90_000)),
    ]);
    expect(reason).to.match(/leader not working: watches stale/);
    expect((Date.now() - stalled) / 1000).to.be.within(30, 75);
    const ready = await get(port, "/readyz");
    expect(ready.status).to.equal(503);
    expect(ready.text).to.match(/stale/);
  });
});
