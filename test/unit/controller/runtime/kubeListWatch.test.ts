import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { expect } from "chai";
import { apiStatusCode } from "../../../../operator/controller/runtime/apiStatusCode.js";
import { WatchIdleError } from "../../../../operator/controller/runtime/informer.js";
import { KubeListWatch } from "../../../../operator/controller/runtime/kubeListWatch.js";

/** A plain-HTTP stand-in for the apiserver's paged pod list: 2 items per page, 3 pages. */
function pagedPodServer(log: string[]): Server {
  const pages = [["a", "b"], ["c", "d"], ["e"]];
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const index = Number(url.searchParams.get("continue") || "0");
    log.push(`GET page ${index} limit=${url.searchParams.get("limit")}`);
    const names = pages[index] ?? [];
    const next = index + 1 < pages.length ? String(index + 1) : "";
    res.writeHead(200, { "Content-Type": "application/json" }).end(
      JSON.stringify({
        kind: "PodList",
        apiVersion: "v1",
        metadata: { resourceVersion: "42", continue: next },
        items: names.map((name) => ({
          metadata: { name, namespace: "ns", managedFields: [{ manager: "x" }] },
        })),
      }),
    );
  });
}

describe("KubeListWatch.list", () => {
  let server: Server;
  const log: string[] = [];

  before(async () => {
    server = pagedPodServer(log);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("decodes each page before asking for the next, so full objects never pile up", async () => {
    log.length = 0;
    const kc = new KubeConfig();
    const { port } = server.address() as AddressInfo;
    kc.loadFromClusterAndUser(
      { name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: "u" },
    );
    const lw = new KubeListWatch({ kubeConfig: kc, path: "/api/v1/pods", pageSize: 2 });
    const page = await lw.list(new AbortController().signal, (raw) => {
      const p = raw as { apiVersion: string; kind: string; metadata: { name: string } };
      log.push(`decode ${p.metadata.name}`);
      return { kind: p.kind, apiVersion: p.apiVersion, name: p.metadata.name };
    });
    expect(log).to.deep.equal([
      "GET page 0 limit=2",
      "decode a",
      "decode b",
      "GET page 1 limit=2",
      "decode c",
      "decode d",
      "GET page 2 limit=2",
      "decode e",
    ]);
    expect(page.resourceVersion).to.equal("42");
    expect(page.items.map((i) => i.name)).to.deep.equal(["a", "b", "c", "d", "e"]);
    // List items get the kind and apiVersion a watch event's object has.
    expect(page.items[0]).to.include({ kind: "Pod", apiVersion: "v1" });
  });

  it("cuts the omitted members from each item before it is parsed", async () => {
    const kc = new KubeConfig();
    const { port } = server.address() as AddressInfo;
    kc.loadFromClusterAndUser(
      { name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: "u" },
    );
    const lw = new KubeListWatch({
      kubeConfig: kc,
      path: "/api/v1/pods",
      omit: [{ path: ["metadata", "managedFields"] }],
    });
    const page = await lw.list(new AbortController().signal, (raw) => raw);
    expect(page.items).to.have.length(5);
    for (const item of page.items)
      expect((item as { metadata: object }).metadata).to.have.keys("name", "namespace");
  });
});

describe("KubeListWatch.watch", () => {
  let server: Server;
  let respond: (req: IncomingMessage, res: ServerResponse) => void;
  let kc: KubeConfig;

  before(async () => {
    server = createServer((req, res) => respond(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: "u" },
    );
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  function watch(lw: KubeListWatch) {
    const events: string[] = [];
    let done: (err: unknown) => void = () => {};
    const ended = new Promise<unknown>((resolve) => {
      done = resolve;
    });
    const stream = lw.watch(
      "7",
      (type, obj) =>
        events.push(`${type} ${(obj as { metadata?: { name?: string } }).metadata?.name ?? ""}`),
      (err) => done(err),
    );
    return { events, ended, stream };
  }

  it("asks for bookmarks from the resourceVersion, and reads events split across chunks until the server ends the stream", async () => {
    let url = "";
    respond = (req, res) => {
      url = req.url ?? "";
      res.writeHead(200, { "Content-Type": "application/json" });
      const a = JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } });
      const m = JSON.stringify({ type: "MODIFIED", object: { metadata: { name: "b" } } });
      res.write(`${a}\n${m.slice(0, 10)}`);
      res.write(`${m.slice(10)}\n\n`);
      res.end(
        `${JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } })}\n`,
      );
    };
    const lw = new KubeListWatch({
      kubeConfig: kc,
      path: "/api/v1/pods",
      labelSelector: "app=x",
      watchTimeoutSeconds: () => 300,
    });
    const w = watch(lw);
    await w.stream;
    expect(await w.ended).to.equal(null);
    expect(w.events).to.deep.equal(["ADDED a", "MODIFIED b", "BOOKMARK "]);
    const q = new URL(url, "http://x").searchParams;
    expect(Object.fromEntries(q)).to.deep.equal({
      watch: "true",
      allowWatchBookmarks: "true",
      resourceVersion: "7",
      timeoutSeconds: "300",
      labelSelector: "app=x",
    });
  });

  it("cuts the omitted members from each event's object, its line split over many chunks", async () => {
    const report = "x".repeat(100_000);
    const objects: unknown[] = [];
    respond = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const line = `${JSON.stringify({
        type: "MODIFIED",
        object: {
          metadata: { name: "d" },
          status: { phase: "Succeeded", report, findings: [1, 2] },
        },
      })}\n`;
      for (let at = 0; at < line.length; at += 7000) res.write(line.slice(at, at + 7000));
      res.end();
    };
    const lw = new KubeListWatch({
      kubeConfig: kc,
      path: "/apis/diagnose.dev/v1alpha1/diagnoses",
      omit: [{ path: ["status", "report"] }, { path: ["status", "findings"], count: true }],
    });
    let done: (err: unknown) => void = () => {};
    const ended = new Promise<unknown>((resolve) => {
      done = resolve;
    });
    await lw.watch("7", (_type, obj) => objects.push(obj), done);
    expect(await ended).to.equal(null);
    expect(objects).to.deep.equal([
      { metadata: { name: "d" }, status: { phase: "Succeeded", findings: 2 } },
    ]);
  });

  it("a refused watch rejects with the HTTP status (410: relist)", async () => {
    respond = (_req, res) =>
      res
        .writeHead(410, { "Content-Type": "application/json" })
        .end(JSON.stringify({ kind: "Status", code: 410, message: "too old resource version" }));
    const err = await watch(
      new KubeListWatch({ kubeConfig: kc, path: "/api/v1/pods" }),
    ).stream.catch((e: unknown) => e);
    expect(apiStatusCode(err)).to.equal(410);
  });

  it("a connection cut mid-stream ends the watch with an error, not as the server's normal end", async () => {
    respond = (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(`${JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } })}\n`);
      setTimeout(() => req.socket.destroy(), 20);
    };
    const w = watch(new KubeListWatch({ kubeConfig: kc, path: "/api/v1/pods" }));
    await w.stream;
    const err = await w.ended;
    expect(err).to.be.instanceOf(Error);
    expect(w.events).to.deep.equal(["ADDED a"]);
  });

  it("stop() closes the stream without calling onDone", async () => {
    respond = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("\n");
    };
    const w = watch(new KubeListWatch({ kubeConfig: kc, path: "/api/v1/pods" }));
    (await w.stream).stop();
    const raced = await Promise.race([
      w.ended,
      new Promise((r) => setTimeout(() => r("no onDone"), 200)),
    ]);
    expect(raced).to.equal("no onDone");
  });
});

/** A client config for a plain-HTTP stand-in apiserver on `port`. */
function localConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
    { name: "u" },
  );
  return kc;
}

describe("KubeListWatch deadlines", () => {
  let server: Server;
  let port = 0;
  /** What the stand-in does with the next request. */
  let behave: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  const queries: URLSearchParams[] = [];

  before(async () => {
    server = createServer((req, res) => {
      queries.push(new URL(req.url ?? "/", "http://x").searchParams);
      behave(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  beforeEach(() => {
    queries.length = 0;
  });

  it("fails a list page that gets no answer within the request deadline", async () => {
    behave = () => {}; // accepts the connection, never answers (a silently dead path)
    const lw = new KubeListWatch({
      kubeConfig: localConfig(port),
      path: "/api/v1/pods",
      requestTimeoutMs: 200,
    });
    const started = Date.now();
    const err = await lw
      .list(new AbortController().signal, (x) => x)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.name).to.equal("RequestTimeoutError");
    expect(Date.now() - started).to.be.below(2000);
  });

  it("asks for bookmarks and a server timeout shorter than its idle deadline", async () => {
    behave = (_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end();
    const lw = new KubeListWatch({
      kubeConfig: localConfig(port),
      path: "/api/v1/pods",
      watchIdleTimeoutMs: 10_000,
    });
    for (let i = 0; i < 20; i++) {
      const stream = await lw.watch(
        "5",
        () => {},
        () => {},
      );
      stream.stop();
    }
    for (const q of queries) {
      expect(q.get("watch")).to.equal("true");
      expect(q.get("allowWatchBookmarks")).to.equal("true");
      expect(q.get("resourceVersion")).to.equal("5");
      const t = Number(q.get("timeoutSeconds"));
      expect(t).to.be.at.least(5).and.below(10);
    }
  });

  it("ends a watch that falls silent with WatchIdleError; events and bookmarks keep it alive", async () => {
    let write: ((line: string) => void) | undefined;
    behave = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
      write = (line) => res.write(`${line}\n`);
    };
    const lw = new KubeListWatch({
      kubeConfig: localConfig(port),
      path: "/api/v1/pods",
      watchIdleTimeoutMs: 400,
    });
    const events: string[] = [];
    let done: unknown = "not done";
    const opened = Date.now();
    await lw.watch(
      "1",
      (type, obj) =>
        events.push(`${type} ${(obj as { metadata: { name: string } }).metadata.name}`),
      (err) => {
        done = err;
      },
    );
    // Speak every 200 ms for a second: never idle for 400 ms.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 200));
      write!(
        i % 2
          ? JSON.stringify({
              type: "BOOKMARK",
              object: { metadata: { name: "bm", resourceVersion: String(i) } },
            })
          : JSON.stringify({
              type: "ADDED",
              object: { metadata: { name: `p${i}`, resourceVersion: String(i) } },
            }),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(done).to.equal("not done");
    expect(events).to.deep.equal([
      "ADDED p0",
      "BOOKMARK bm",
      "ADDED p2",
      "BOOKMARK bm",
      "ADDED p4",
    ]);
    // Then silence (the connection stays open, nothing comes): ended after the idle deadline.
    const silentFrom = Date.now();
    while (done === "not done" && Date.now() - opened < 5000)
      await new Promise((r) => setTimeout(r, 20));
    expect(done).to.be.instanceOf(WatchIdleError);
    expect(Date.now() - silentFrom).to.be.within(250, 1500);
  });

  it("rejects a watch the apiserver refuses, with its HTTP status as code", async () => {
    behave = (_req, res) =>
      res
        .writeHead(403, { "Content-Type": "application/json" })
        .end(JSON.stringify({ kind: "Status", message: "pods is forbidden", code: 403 }));
    const lw = new KubeListWatch({ kubeConfig: localConfig(port), path: "/api/v1/pods" });
    const err = await lw
      .watch(
        "1",
        () => {},
        () => {},
      )
      .then(
        () => undefined,
        (e: unknown) => e as { code?: number; message: string },
      );
    expect(err?.code).to.equal(403);
    expect(err?.message).to.include("pods is forbidden");
  });
});
