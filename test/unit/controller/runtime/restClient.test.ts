import * as http from "node:http";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { apiStatusCode } from "../../../../operator/controller/runtime/apiStatusCode.js";
import type { KubeAccess } from "../../../../operator/controller/runtime/kubeAccess.js";
import { ApiStatusError, RestClient } from "../../../../operator/controller/runtime/restClient.js";

/** A plain-HTTP stand-in for the apiserver; `handle` answers each request. */
async function server(
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ server: Server; access: KubeAccess; agent: http.Agent }> {
  const s = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => handle(req, body, res));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const agent = new http.Agent({ keepAlive: true });
  const { port } = s.address() as AddressInfo;
  return {
    server: s,
    agent,
    access: {
      getCurrentCluster: () => ({ server: `http://127.0.0.1:${port}` }),
      applyToHTTPSOptions: async (o) => {
        o.agent = agent;
        o.headers = { ...o.headers, Authorization: "Bearer t" };
      },
    },
  };
}

describe("RestClient", () => {
  const open: Array<{ server: Server; agent: http.Agent }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      o.agent.destroy();
      o.server.closeAllConnections();
      await new Promise((r) => o.server.close(r));
    }
  });

  it("sends JSON with the query, content type and credentials; answers parsed JSON over one connection", async () => {
    const seen: string[] = [];
    const sockets = new Set<unknown>();
    const s = await server((req, body, res) => {
      sockets.add(req.socket);
      seen.push(
        `${req.method} ${req.url} ${req.headers["content-type"]} ${req.headers.authorization} ${body}`,
      );
      res.writeHead(201, { "Content-Type": "application/json" }).end('{"metadata":{"name":"x"}}');
    });
    open.push(s);
    const rest = new RestClient(s.access);
    const a = await rest.request<{ metadata: { name: string } }>("PATCH", "/apis/g/v1/x", {
      query: { fieldManager: "me", dryRun: undefined },
      body: { status: { phase: "Running" } },
      contentType: "application/merge-patch+json",
    });
    expect(a.metadata.name).to.equal("x");
    await rest.request("GET", "/api/v1/namespaces/default");
    expect(seen).to.deep.equal([
      'PATCH /apis/g/v1/x?fieldManager=me application/merge-patch+json Bearer t {"status":{"phase":"Running"}}',
      "GET /api/v1/namespaces/default undefined Bearer t ",
    ]);
    expect(sockets.size).to.equal(1);
  });

  it("a failed request throws the HTTP status as code, with the Status' message and reason", async () => {
    const s = await server((_req, _body, res) => {
      res.writeHead(409, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          kind: "Status",
          reason: "AlreadyExists",
          message: 'jobs "x" already exists',
        }),
      );
    });
    open.push(s);
    const err = await new RestClient(s.access).request("POST", "/x", { body: {} }).catch((e) => e);
    expect(err).to.be.instanceOf(ApiStatusError);
    expect(apiStatusCode(err)).to.equal(409);
    expect((err as ApiStatusError).reason).to.equal("AlreadyExists");
    expect((err as Error).message).to.equal('POST /x: HTTP 409: jobs "x" already exists');
  });

  it("answers text when asked (pod logs)", async () => {
    const s = await server((_req, _body, res) => res.writeHead(200).end("line 1\nline 2\n"));
    open.push(s);
    expect(await new RestClient(s.access).request("GET", "/log", { text: true })).to.equal(
      "line 1\nline 2\n",
    );
  });

  it("gives up on a request that is not answered within its deadline", async () => {
    const s = await server(() => {
      /* never answers */
    });
    open.push(s);
    const err = await new RestClient(s.access, { timeoutMs: 100 })
      .request("GET", "/slow")
      .catch((e: Error) => e);
    expect((err as Error).message).to.equal("GET /slow: no complete answer within 100 ms");
  });

  it("sends again, once, on a new connection when a kept-alive one was closed by the server", async () => {
    const served: string[] = [];
    const used = new Set<unknown>();
    const s = await server((req, _body, res) => {
      // A connection's second request meets a server that has just closed it (its idle timeout).
      if (used.has(req.socket) || req.url === "/down") {
        served.push(`${req.url} dropped`);
        req.socket.destroy();
        return;
      }
      used.add(req.socket);
      served.push(`${req.url} answered`);
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
    open.push(s);
    const rest = new RestClient(s.access);
    await rest.request("GET", "/a");
    expect(await rest.request("GET", "/b")).to.deep.equal({});
    expect(served).to.deep.equal(["/a answered", "/b dropped", "/b answered"]);
    // Once only: a new connection that fails as well is the caller's error.
    const err = await rest.request("GET", "/down").catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect(served.filter((x) => x.startsWith("/down"))).to.deep.equal([
      "/down dropped",
      "/down dropped",
    ]);
  });
});
