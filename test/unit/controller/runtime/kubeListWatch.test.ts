import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { expect } from "chai";
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
});
