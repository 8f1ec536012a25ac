import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { countApiRequests } from "../../../../operator/controller/runtime/restClientMetrics.js";

/** GET through node:http (the informers' lists), resolving with the status or the error code. */
function nodeGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    request(url, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
    })
      .on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"))
      .end();
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

describe("countApiRequests (rest_client_requests_total)", () => {
  let api: Server;
  let other: Server;
  let apiPort: number;
  let otherPort: number;

  beforeEach(async () => {
    api = createServer((req, res) => res.writeHead(req.url === "/missing" ? 404 : 200).end("{}"));
    other = createServer((_req, res) => res.writeHead(200).end());
    apiPort = await listen(api);
    otherPort = await listen(other);
  });

  afterEach(() => {
    api.close();
    other.close();
  });

  it("counts requests to the API server's host by code, method and host, through node:http and undici", async () => {
    const counts = new Map<string, number>();
    const stop = countApiRequests(`http://127.0.0.1:${apiPort}`, {
      inc: ({ code, method, host }) => {
        const k = `${code} ${method} ${host}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      },
    });
    const host = `127.0.0.1:${apiPort}`;
    try {
      expect(await nodeGet(`http://${host}/api/v1/pods`)).to.equal("200");
      expect(await nodeGet(`http://${host}/api/v1/pods`)).to.equal("200");
      const patched = await fetch(`http://${host}/missing`, { method: "PATCH", body: "{}" });
      await patched.text();
      expect(patched.status).to.equal(404);
      // Another host: not the API server's traffic.
      expect(await nodeGet(`http://127.0.0.1:${otherPort}/`)).to.equal("200");
      await new Promise<void>((resolve) => api.close(() => resolve()));
      api.closeAllConnections();
      expect(await nodeGet(`http://${host}/api/v1/pods`)).to.match(/^E[A-Z]+$/);
      await fetch(`http://${host}/apis`).catch(() => undefined);
    } finally {
      stop();
    }
    expect(Object.fromEntries(counts)).to.deep.equal({
      [`200 GET ${host}`]: 2,
      [`404 PATCH ${host}`]: 1,
      [`<error> GET ${host}`]: 2,
    });
  });

  it("stops counting on stop()", async () => {
    let n = 0;
    const stop = countApiRequests(`http://127.0.0.1:${apiPort}`, { inc: () => n++ });
    await nodeGet(`http://127.0.0.1:${apiPort}/`);
    stop();
    await nodeGet(`http://127.0.0.1:${apiPort}/`);
    expect(n).to.equal(1);
  });
});
