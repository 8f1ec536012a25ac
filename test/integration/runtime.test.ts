/**
 * The informer against a real kube-apiserver: adds/updates/deletes, a dropped connection (a TCP
 * proxy in front of the apiserver cuts every socket and refuses new ones for a while), and a
 * 410 Gone injected in front of the real apiserver. In both cases every change made while the
 * informer was blind must arrive, and none twice.
 *
 * Why the 410 is injected: this kube-apiserver (v1.34, watch cache on) does not answer 410 for a
 * watch from an old resourceVersion shortly after start, not even after etcd is compacted: it
 * replays the cache (synthetic ADDED events). A real 410 needs the watch cache window to move
 * on, which takes minutes. The injected event has the shape the apiserver sends (HTTP 200, an
 * ERROR event carrying a Status with code 410, reason Expired).
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import { trimPod } from "../../operator/controller/kinds/podTransform.js";
import { Informer, type ListWatch } from "../../operator/controller/runtime/informer.js";
import { KubeListWatch } from "../../operator/controller/runtime/kubeListWatch.js";
import { type ControlPlane, startControlPlane } from "../support/controlPlane.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A TCP relay to the apiserver that the test can cut. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly upstreamPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(this.upstreamPort, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
  }

  /** Cut every open connection and refuse new ones until resume(). */
  cut(): void {
    this.refusing = true;
    for (const s of this.sockets) s.destroy();
  }

  resume(): void {
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function viaProxy(kc: KubeConfig, port: number): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error("incomplete kubeconfig");
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ ...cluster, name: "proxied", server: `https://127.0.0.1:${port}` }],
    users: [user],
    contexts: [{ name: "proxied", cluster: "proxied", user: user.name }],
    currentContext: "proxied",
  });
  return out;
}

/** Once armed, the next watch gets the apiserver's 410 answer instead of reaching it. */
class ExpiringListWatch implements ListWatch {
  armed = false;
  constructor(private readonly inner: ListWatch) {}
  list<T>(signal: AbortSignal, decode: (raw: unknown) => T) {
    return this.inner.list(signal, decode);
  }
  async watch(...[rv, onEvent, onDone]: Parameters<ListWatch["watch"]>) {
    if (!this.armed) return this.inner.watch(rv, onEvent, onDone);
    this.armed = false;
    setImmediate(() => {
      onEvent("ERROR", {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `too old resource version: ${rv}`,
        reason: "Expired",
        code: 410,
      });
      onDone(null);
    });
    return { stop: () => {} };
  }
}

interface Recorder {
  events: Map<string, string[]>;
  informer: Informer<V1Pod>;
  restarts: string[];
  relists: () => number;
}

/**
 * The operator's pod transform, plus the test's own marker label (`step`), which trimPod drops
 * like every label the operator does not read.
 */
function trimmedWithStep(raw: unknown): V1Pod {
  const pod = trimPod(raw);
  const step = (raw as V1Pod).metadata?.labels?.step;
  if (step !== undefined) pod.metadata = { ...pod.metadata, labels: { step } };
  return pod;
}

function record(listWatch: ListWatch): Recorder {
  const events = new Map<string, string[]>();
  const restarts: string[] = [];
  let relists = 0;
  const push = (name: string | undefined, e: string): void => {
    const k = name ?? "?";
    events.set(k, [...(events.get(k) ?? []), e]);
  };
  const informer = new Informer<V1Pod>({
    name: "pods",
    listWatch,
    transform: trimmedWithStep,
    backoffInitialMs: 100,
    backoffMaxMs: 500,
    stats: { onWatchRestart: (r) => restarts.push(r), onRelist: () => relists++ },
  });
  informer.addHandler({
    onAdd: (p) => push(p.metadata?.name, `add ${p.metadata?.labels?.step ?? ""}`),
    onUpdate: (_o, p) =>
      push(
        p.metadata?.name,
        `update ${p.metadata?.labels?.step ?? ""}${p.metadata?.deletionTimestamp ? " terminating" : ""}`,
      ),
    onDelete: (p) => push(p.metadata?.name, "delete"),
  });
  return { events, informer, restarts, relists: () => relists };
}

describe("controller runtime against a real kube-apiserver", function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let core: CoreV1Api;
  const namespace = `rt-${process.pid}-${Date.now().toString(36)}`;
  const informers: Informer<V1Pod>[] = [];
  const proxies: CuttableProxy[] = [];

  const pod = (name: string, step: string): V1Pod => ({
    metadata: { name, labels: { step } },
    spec: {
      automountServiceAccountToken: false,
      containers: [{ name: "c", image: "busybox", resources: { limits: { memory: "64Mi" } } }],
    },
  });
  const relabel = (name: string, step: string) =>
    core.patchNamespacedPod({
      name,
      namespace,
      body: [{ op: "replace", path: "/metadata/labels/step", value: step }],
    });

  before(async () => {
    cp = await startControlPlane({ quiet: true });
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // The ServiceAccount admission plugin rejects pods until the default ServiceAccount exists.
    await waitFor("default service account", async () => {
      try {
        await core.readNamespacedServiceAccount({ name: "default", namespace });
        return true;
      } catch {
        return false;
      }
    });
  });

  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
    if (cp) {
      await core
        .deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 })
        .catch(() => {});
    }
  });

  after(async () => {
    await cp?.stop();
  });

  const path = () => `/api/v1/namespaces/${namespace}/pods`;

  it("sees adds, updates and deletes, caching only the trimmed pod", async () => {
    const r = record(new KubeListWatch({ kubeConfig: cp!.kubeConfig, path: path() }));
    informers.push(r.informer);
    await core.createNamespacedPod({ namespace, body: pod("before", "0") });
    r.informer.start();
    await r.informer.waitForSync();
    expect(r.events.get("before")).to.deep.equal(["add 0"]);

    await core.createNamespacedPod({ namespace, body: pod("p", "1") });
    await waitFor("add", () => r.informer.get(`${namespace}/p`) !== undefined);
    await relabel("p", "2");
    await waitFor("update", () => r.informer.get(`${namespace}/p`)?.metadata?.labels?.step === "2");
    await core.deleteNamespacedPod({ name: "p", namespace, gracePeriodSeconds: 0 });
    await waitFor("delete", () => r.informer.get(`${namespace}/p`) === undefined);
    // Deleting sets deletionTimestamp first (an update), then removes the object.
    expect(r.events.get("p")).to.deep.equal([
      "add 1",
      "update 2",
      "update 2 terminating",
      "delete",
    ]);

    const cached = r.informer.get(`${namespace}/before`);
    expect(cached?.spec?.containers?.[0]?.resources?.limits).to.deep.equal({ memory: "64Mi" });
    expect(cached?.metadata).to.not.have.property("managedFields");
    expect(cached?.metadata?.creationTimestamp).to.be.instanceOf(Date);
  });

  /** Changes made while the informer cannot see the apiserver; returns the expected event log. */
  async function changeWhileBlind(): Promise<Record<string, string[]>> {
    await core.createNamespacedPod({ namespace, body: pod("created-blind", "1") });
    await relabel("kept", "2");
    await relabel("kept", "3");
    await core.deleteNamespacedPod({ name: "deleted-blind", namespace, gracePeriodSeconds: 0 });
    return {
      "created-blind": ["add 1"],
      kept: ["add 1", "update 3"],
      "deleted-blind": ["add 1", "delete"],
    };
  }

  it("survives a dropped connection without missing or double-handling events", async () => {
    const server = new URL(cp!.server);
    const proxy = new CuttableProxy(server.hostname, Number(server.port));
    proxies.push(proxy);
    await proxy.start();
    const r = record(
      new KubeListWatch({ kubeConfig: viaProxy(cp!.kubeConfig, proxy.port), path: path() }),
    );
    informers.push(r.informer);
    await core.createNamespacedPod({ namespace, body: pod("kept", "1") });
    await core.createNamespacedPod({ namespace, body: pod("deleted-blind", "1") });
    r.informer.start();
    await r.informer.waitForSync();
    await sleep(300);

    proxy.cut();
    const expected = await changeWhileBlind();
    await sleep(1500);
    proxy.resume();
    await waitFor(
      "informer catches up",
      () =>
        r.informer.get(`${namespace}/created-blind`) !== undefined &&
        r.informer.get(`${namespace}/deleted-blind`) === undefined &&
        r.informer.get(`${namespace}/kept`)?.metadata?.labels?.step === "3",
    );
    await sleep(500);
    // Watch events arrive one by one, so "kept" may show both updates; never a duplicate.
    const kept = r.events.get("kept") ?? [];
    expect(kept[0]).to.equal("add 1");
    expect(kept.at(-1)).to.equal("update 3");
    expect(new Set(kept).size).to.equal(kept.length);
    expect(r.events.get("created-blind")).to.deep.equal(expected["created-blind"]);
    // Re-watching replays the missed events, including the terminating update before the delete.
    expect(r.events.get("deleted-blind")).to.deep.equal([
      "add 1",
      "update 1 terminating",
      "delete",
    ]);
    expect(r.restarts.length).to.be.at.least(1);
    expect(r.restarts).to.not.include("gone");
  });

  it("relists on 410 Gone and delivers exactly the missed changes (diffed against the cache)", async () => {
    const server = new URL(cp!.server);
    const proxy = new CuttableProxy(server.hostname, Number(server.port));
    proxies.push(proxy);
    await proxy.start();
    const lw = new ExpiringListWatch(
      new KubeListWatch({ kubeConfig: viaProxy(cp!.kubeConfig, proxy.port), path: path() }),
    );
    const r = record(lw);
    informers.push(r.informer);
    await core.createNamespacedPod({ namespace, body: pod("kept", "1") });
    await core.createNamespacedPod({ namespace, body: pod("deleted-blind", "1") });
    r.informer.start();
    await r.informer.waitForSync();
    await sleep(300);
    expect(r.relists()).to.equal(1);

    proxy.cut();
    const expected = await changeWhileBlind();
    await sleep(300);
    // Armed only now, so the 410 answers an attempt that would have reached the apiserver.
    lw.armed = true;
    proxy.resume();
    await waitFor("relist after 410", () => r.relists() === 2);
    await sleep(500);
    expect(r.restarts).to.include("gone");
    expect(r.events.get("kept")).to.deep.equal(expected.kept);
    expect(r.events.get("created-blind")).to.deep.equal(expected["created-blind"]);
    expect(r.events.get("deleted-blind")).to.deep.equal(expected["deleted-blind"]);

    // And it keeps watching afterwards.
    await relabel("kept", "4");
    await waitFor(
      "update after relist",
      () => r.informer.get(`${namespace}/kept`)?.metadata?.labels?.step === "4",
    );
  });
});
