import { expect } from "chai";
import winston from "winston";
import type { ObjectKey } from "../../../../operator/controller/runtime/contracts.js";
import type { Kind } from "../../../../operator/controller/runtime/kind.js";
import { Manager } from "../../../../operator/controller/runtime/manager.js";
import { MetricsRegistry } from "../../../../operator/controller/runtime/metricsRegistry.js";
import { createRuntimeMetrics } from "../../../../operator/controller/runtime/runtimeMetrics.js";
import { FakeListWatch, type FakeObj, waitFor } from "./fakeListWatch.js";

const logger = winston.createLogger({ silent: true });

/** FakeObj.data names the parent ("parent:<name>") a child belongs to. */
const parents: Kind<FakeObj> = { name: "parents", path: () => "/parents" };
const children: Kind<FakeObj> = { name: "children", path: () => "/children" };
const PARENT_INDEX = "parent";

function setup() {
  const apis = new Map<string, FakeListWatch>();
  const paths: string[] = [];
  const manager = new Manager({
    logger,
    listWatch: (path) => {
      paths.push(path);
      const lw = new FakeListWatch();
      apis.set(path, lw);
      return lw;
    },
    metrics: createRuntimeMetrics(new MetricsRegistry(), "test"),
  });
  const api = (path: string): FakeListWatch => {
    const lw = apis.get(path);
    if (!lw) throw new Error(`no list/watch of ${path}`);
    return lw;
  };
  return { manager, api, paths };
}

/** A reconciler that records the keys it was called with. */
function recorder(name: string) {
  const keys: ObjectKey[] = [];
  return {
    keys,
    reconciler: {
      name,
      async reconcile(key: ObjectKey) {
        keys.push(key);
        return undefined;
      },
    },
  };
}

describe("Manager and controller builder", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("a controller that does not run (a standby) maps no event; stopped, it hears it stopped", async () => {
    const { manager, api } = setup();
    const mapped: string[] = [];
    let stopped = 0;
    const r = recorder("mapper");
    manager
      .newController()
      .watches(parents, (p) => {
        mapped.push(p.metadata.name);
        return [p.metadata.name];
      })
      .complete({ ...r.reconciler, stopped: async () => void stopped++ });
    manager.startCaches();
    stop = () => manager.stopCaches();
    await manager.waitForCacheSync();
    api("/parents").emit("ADDED", api("/parents").put("while-standby", ""));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mapped).to.deep.equal([]);
    manager.startControllers();
    api("/parents").emit("ADDED", api("/parents").put("while-leading", ""));
    await waitFor(() => r.keys.includes("while-leading"), "the leader's reconcile");
    // The start replays the cache (the standby's object too), then events are mapped.
    expect(mapped).to.have.members(["while-standby", "while-leading"]);
    await manager.stopControllers();
    expect(stopped).to.equal(1);
  });

  it("for() enqueues an object's own key; watches() maps another kind's events through an index", async () => {
    const { manager, api } = setup();
    manager.indexField(parents, PARENT_INDEX, (p) => [p.metadata.name]);
    const parentCache = manager.cache(parents);
    const r = recorder("parents");
    manager
      .newController()
      .for(parents)
      .watches(children, (child) =>
        parentCache
          .byIndex(PARENT_INDEX, (child.data ?? "").replace("parent:", ""))
          .map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      )
      .complete(r.reconciler);
    api("/parents").put("p1", "");
    api("/children").put("c1", "parent:p1");
    api("/children").put("orphan", "parent:none");
    manager.startCaches();
    await manager.waitForCacheSync();
    manager.startControllers();
    stop = async () => {
      await manager.stopControllers();
      await manager.stopCaches();
    };
    // Initial resync: p1, from itself and from its child; the orphan maps to nothing.
    await waitFor(() => r.keys.length >= 1, "initial reconcile");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(new Set(r.keys)).to.deep.equal(new Set(["ns/p1"]));
    r.keys.length = 0;

    api("/children").emit("MODIFIED", api("/children").put("c1", "parent:p1"));
    await waitFor(() => r.keys.length === 1, "child event mapped to its parent");
    api("/children").emit("ADDED", api("/children").put("c2", "parent:nobody"));
    api("/parents").emit("ADDED", api("/parents").put("p2", ""));
    await waitFor(() => r.keys.length === 2, "the new parent");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.keys).to.deep.equal(["ns/p1", "ns/p2"]);
  });

  it("keeps one informer per kind for every controller that watches or reads it", async () => {
    const { manager, paths } = setup();
    manager.cache(parents);
    manager.newController().for(parents).complete(recorder("a").reconciler);
    manager
      .newController()
      .watches(parents, () => [])
      .complete(recorder("b").reconciler);
    expect(paths).to.deep.equal(["/parents"]);
    expect(manager.controllerNames()).to.deep.equal(["a", "b"]);
    expect(() => manager.cache({ name: "parents", path: () => "/other" })).to.throw(
      /two different kinds are named parents/,
    );
    expect(() => manager.newController().for(parents).complete(recorder("a").reconciler)).to.throw(
      /two controllers named a/,
    );
  });

  it("one informer per namespace for a kind limited to namespaces, seen as one cache", async () => {
    const { manager, api, paths } = setup();
    const scoped: Kind<FakeObj> = {
      name: "scoped",
      path: (ns) => `/namespaces/${ns}/scoped`,
      namespaces: ["a", "b"],
    };
    const cache = manager.cache(scoped);
    expect(paths).to.deep.equal(["/namespaces/a/scoped", "/namespaces/b/scoped"]);
    api("/namespaces/a/scoped").put("x", "");
    api("/namespaces/b/scoped").put("y", "");
    manager.startCaches();
    stop = () => manager.stopCaches();
    await manager.waitForCacheSync();
    expect(manager.cacheSyncState().map(({ name, synced }) => ({ name, synced }))).to.deep.equal([
      { name: "scoped", synced: true },
    ]);
    // FakeListWatch puts every object in namespace "ns": both informers hold one object each.
    expect(
      cache
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).to.deep.equal(["x", "y"]);
  });

  it("a mapper that throws drops that event only", async () => {
    const { manager, api } = setup();
    const r = recorder("parents");
    manager
      .newController()
      .for(parents)
      .watches(children, (child) => {
        if (child.data === "bad") throw new Error("boom");
        return [`ns/${child.data}`];
      })
      .complete(r.reconciler);
    manager.startCaches();
    await manager.waitForCacheSync();
    manager.startControllers();
    stop = async () => {
      await manager.stopControllers();
      await manager.stopCaches();
    };
    api("/children").emit("ADDED", api("/children").put("c1", "bad"));
    api("/children").emit("ADDED", api("/children").put("c2", "p9"));
    await waitFor(() => r.keys.length === 1, "the good event");
    expect(r.keys).to.deep.equal(["ns/p9"]);
  });

  it("no new kind once the caches started", () => {
    const { manager } = setup();
    manager.startCaches();
    stop = () => manager.stopCaches();
    expect(() => manager.cache(children)).to.throw(/after the caches started/);
  });
});
