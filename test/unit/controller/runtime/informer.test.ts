import { expect } from "chai";
import type { Logger } from "winston";
import { Informer, WatchIdleError } from "../../../../operator/controller/runtime/informer.js";
import { FakeListWatch, type FakeObj, waitFor } from "./fakeListWatch.js";

function setup() {
  const lw = new FakeListWatch();
  const events: string[] = [];
  const restarts: string[] = [];
  let relists = 0;
  const informer = new Informer<FakeObj>({
    name: "test",
    listWatch: lw,
    backoffInitialMs: 1,
    backoffMaxMs: 5,
    minWatchLifetimeMs: 0,
    stats: { onWatchRestart: (r) => restarts.push(r), onRelist: () => relists++ },
  });
  informer.addHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name} ${o.data}`),
    onUpdate: (old, o) => events.push(`update ${o.metadata.name} ${old.data}->${o.data}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name} ${o.data}`),
  });
  return { lw, informer, events, restarts, relists: () => relists };
}

describe("Informer", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("lists, syncs, then watches from the list's resourceVersion and applies events", async () => {
    const { lw, informer, events } = setup();
    lw.put("a", "1");
    lw.put("b", "1");
    informer.start();
    stop = () => informer.stop();
    await informer.waitForSync();
    expect(informer.hasSynced()).to.equal(true);
    expect(events).to.have.members(["add a 1", "add b 1"]);
    await waitFor(() => lw.watches.length === 1, "watch");
    expect(lw.current().resourceVersion).to.equal("102");

    lw.emit("ADDED", lw.put("c", "1"));
    lw.emit("MODIFIED", lw.put("a", "2"));
    lw.emit("DELETED", lw.remove("b"));
    expect(events.slice(2)).to.deep.equal(["add c 1", "update a 1->2", "delete b 1"]);
    expect(informer.get("ns/a")?.data).to.equal("2");
    expect(informer.get("ns/b")).to.equal(undefined);
    expect(informer.list("ns").map((o) => o.metadata.name)).to.have.members(["a", "c"]);
    expect(informer.resourceVersion()).to.equal("105");
  });

  it("drops an event whose resourceVersion the cache already holds", async () => {
    const { lw, informer, events } = setup();
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    const a = lw.put("a", "1");
    lw.emit("ADDED", a);
    lw.emit("MODIFIED", a);
    expect(events).to.deep.equal(["add a 1"]);
  });

  it("on a dropped connection re-watches from the last resourceVersion without relisting", async () => {
    const { lw, informer, events, restarts } = setup();
    lw.put("a", "1");
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    lw.emit("MODIFIED", lw.put("a", "2"));
    lw.end(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await waitFor(() => lw.watches.filter((w) => !w.stopped).length === 1, "re-watch");
    expect(lw.current().resourceVersion).to.equal("102");
    expect(lw.lists).to.equal(1);
    expect(restarts).to.deep.equal(["error"]);
    // Events after the drop still arrive, none twice.
    lw.emit("MODIFIED", lw.put("a", "3"));
    expect(events).to.deep.equal(["add a 1", "update a 1->2", "update a 2->3"]);
  });

  it("a silent watch (WatchIdleError) is restarted with reason idle and logged as such", async () => {
    const logged: Array<{ message: string; meta: Record<string, unknown> }> = [];
    const logger = {
      warn: (message: string, meta: Record<string, unknown>) => logged.push({ message, meta }),
      info: () => {},
      error: () => {},
      debug: () => {},
    } as unknown as Logger;
    const lw = new FakeListWatch();
    const restarts: string[] = [];
    const informer = new Informer<FakeObj>({
      name: "pods",
      listWatch: lw,
      logger,
      backoffInitialMs: 1,
      backoffMaxMs: 5,
      stats: { onWatchRestart: (r) => restarts.push(r) },
    });
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    lw.end(new WatchIdleError("watch /api/v1/pods: no event or bookmark for 45000 ms", 45_000));
    await waitFor(() => lw.watches.filter((w) => !w.stopped).length === 1, "re-watch");
    expect(restarts).to.deep.equal(["idle"]);
    expect(lw.lists).to.equal(1);
    expect(logged).to.have.length(1);
    expect(logged[0]!.message).to.match(/no event or bookmark within its idle deadline/);
    expect(logged[0]!.meta).to.include({ informer: "pods", idleSeconds: 45 });
  });

  it("remembers when the apiserver last spoke: list, watch accepted, events and bookmarks", async () => {
    const { lw, informer } = setup();
    const t0 = informer.lastActivityAt();
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    await new Promise((r) => setTimeout(r, 20));
    const before = informer.lastActivityAt();
    expect(before).to.be.at.least(t0);
    await new Promise((r) => setTimeout(r, 20));
    lw.emit("BOOKMARK", { metadata: { resourceVersion: "500" } });
    expect(informer.lastActivityAt()).to.be.above(before);
  });

  it("a BOOKMARK moves the resume point without an event", async () => {
    const { lw, informer, events } = setup();
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    lw.emit("BOOKMARK", { metadata: { resourceVersion: "500" } });
    lw.end(null);
    await waitFor(() => lw.watches.length === 2, "re-watch");
    expect(lw.current().resourceVersion).to.equal("500");
    expect(events).to.deep.equal([]);
  });

  it("on 410 Gone (ERROR event) relists and emits exactly the missed changes", async () => {
    const { lw, informer, events, restarts, relists } = setup();
    lw.put("keep", "1");
    lw.put("change", "1");
    lw.put("gone", "1");
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    // Changes the watch never delivered.
    lw.put("change", "2");
    lw.remove("gone");
    lw.put("new", "1");
    lw.emit("ERROR", {
      kind: "Status",
      code: 410,
      reason: "Expired",
      message: "too old resource version",
    });
    lw.end(null);
    await waitFor(() => lw.lists === 2 && lw.watches.length === 2, "relist and re-watch");
    expect(restarts).to.deep.equal(["gone"]);
    expect(relists()).to.equal(2);
    expect(events.slice(3)).to.have.members(["update change 1->2", "delete gone 1", "add new 1"]);
    expect(events).to.have.length(6);
    expect(lw.current().resourceVersion).to.equal("106");
  });

  it("relists when re-watching from the last resourceVersion answers HTTP 410", async () => {
    const { lw, informer, restarts } = setup();
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    lw.watchErrors.push(Object.assign(new Error("Gone"), { statusCode: 410 }));
    lw.end(new Error("connection reset"));
    await waitFor(() => lw.lists === 2 && lw.watches.length === 2, "relist after 410");
    expect(restarts).to.deep.equal(["error", "gone"]);
  });

  it("keeps retrying a failing list, then syncs", async () => {
    const { lw, informer } = setup();
    lw.put("a", "1");
    lw.listErrors.push(new Error("connection refused"), new Error("connection refused"));
    informer.start();
    stop = () => informer.stop();
    await informer.waitForSync();
    expect(lw.lists).to.equal(3);
    expect(informer.get("ns/a")?.data).to.equal("1");
  });

  it("survives a throwing handler and applies a transform before caching", async () => {
    const lw = new FakeListWatch();
    lw.put("a", "secret");
    const informer = new Informer<FakeObj>({
      name: "t",
      listWatch: lw,
      transform: (raw) => ({ ...(raw as FakeObj), data: "trimmed" }),
    });
    const seen: string[] = [];
    informer.addHandler({
      onAdd: () => {
        throw new Error("boom");
      },
    });
    informer.addHandler({ onAdd: (o) => seen.push(o.data ?? "") });
    informer.start();
    stop = () => informer.stop();
    await informer.waitForSync();
    expect(seen).to.deep.equal(["trimmed"]);
    expect(informer.get("ns/a")?.data).to.equal("trimmed");
  });

  it("decodes only events it caches: a delete or a repeated event runs no transform", async () => {
    const lw = new FakeListWatch();
    let decoded = 0;
    const informer = new Informer<FakeObj>({
      name: "t",
      listWatch: lw,
      transform: (raw) => {
        decoded++;
        return raw as FakeObj;
      },
    });
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    const a = lw.put("a", "1");
    lw.emit("ADDED", a);
    lw.emit("MODIFIED", a);
    lw.emit("DELETED", lw.remove("a"));
    expect(decoded).to.equal(1);
    expect(informer.get("ns/a")).to.equal(undefined);
  });

  it("a recorded write is cached and handed to the handlers before its watch event, which is then dropped with every older one", async () => {
    const { lw, informer, events } = setup();
    lw.put("a", "1");
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    // Two writes in a row (create, then a patch); the API answered both, the watch is behind.
    const created = lw.put("b", "1");
    const patched = lw.put("b", "2");
    informer.recordWrite(structuredClone(created));
    informer.recordWrite(structuredClone(patched));
    expect(events.slice(1)).to.deep.equal(["add b 1", "update b 1->2"]);
    expect(informer.get("ns/b")?.data).to.equal("2");
    // The watch catches up: both echoes change nothing; the resume point still moves.
    lw.emit("ADDED", created);
    lw.emit("MODIFIED", patched);
    expect(informer.get("ns/b")?.data).to.equal("2");
    expect(informer.resourceVersion()).to.equal(patched.metadata.resourceVersion);
    // A later change by someone else arrives as usual.
    lw.emit("MODIFIED", lw.put("b", "3"));
    expect(events.slice(1)).to.deep.equal(["add b 1", "update b 1->2", "update b 2->3"]);
  });

  it("a recorded write the watch already delivered is ignored: a deleted object is not brought back", async () => {
    const { lw, informer, events } = setup();
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    const created = lw.put("b", "1");
    // The watch is faster than the create's answer: ADDED, then someone deletes it.
    lw.emit("ADDED", created);
    lw.emit("DELETED", lw.remove("b"));
    informer.recordWrite(structuredClone(created));
    expect(informer.get("ns/b")).to.equal(undefined);
    expect(events).to.deep.equal(["add b 1", "delete b 1"]);
  });

  it("an older delete still in flight does not remove an object recreated by a recorded write", async () => {
    const { lw, informer, events } = setup();
    lw.put("b", "old");
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    const deleted = lw.remove("b");
    const recreated = lw.put("b", "new");
    informer.recordWrite(structuredClone(recreated));
    lw.emit("DELETED", deleted);
    expect(informer.get("ns/b")?.data).to.equal("new");
    lw.emit("ADDED", recreated);
    expect(events).to.deep.equal(["add b old", "update b old->new"]);
  });

  it("a relist whose snapshot predates a recorded write keeps the newer object", async () => {
    const { lw, informer, events } = setup();
    lw.put("a", "1");
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    // The list is taken (its snapshot: a 1, no b), then our writes land, then the watch expires.
    const snapshot = await lw.list(new AbortController().signal, (x) => x as FakeObj);
    lw.lists--;
    informer.recordWrite(structuredClone(lw.put("a", "2")));
    informer.recordWrite(structuredClone(lw.put("b", "1")));
    const list = lw.list.bind(lw);
    lw.list = async <T>(_signal: AbortSignal, decode: (raw: unknown) => T) => {
      lw.list = list;
      lw.lists++;
      return {
        items: snapshot.items.map((o) => decode(o)),
        resourceVersion: snapshot.resourceVersion,
      };
    };
    lw.emit("ERROR", { kind: "Status", code: 410, reason: "Expired" });
    lw.end(null);
    await waitFor(() => lw.lists === 2 && lw.watches.length === 2, "relist and re-watch");
    expect(informer.get("ns/a")?.data).to.equal("2");
    expect(informer.get("ns/b")?.data).to.equal("1");
    expect(events).to.deep.equal(["add a 1", "update a 1->2", "add b 1"]);
  });

  it("ignores a recorded write with an opaque resourceVersion: the watch delivers it", async () => {
    const { lw, informer, events } = setup();
    informer.start();
    stop = () => informer.stop();
    await waitFor(() => lw.watches.length === 1, "watch");
    informer.recordWrite({ metadata: { name: "b", namespace: "ns", resourceVersion: "abc" } });
    expect(informer.get("ns/b")).to.equal(undefined);
    expect(events).to.deep.equal([]);
  });

  it("stop() ends the loop and closes the watch", async () => {
    const { lw, informer } = setup();
    informer.start();
    await waitFor(() => lw.watches.length === 1, "watch");
    await informer.stop();
    expect(lw.watches[0]?.stopped).to.equal(true);
  });
});
