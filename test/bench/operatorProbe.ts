/**
 * Loaded into the operator process by the benchmark only (`node --import tsx --import
 * ./test/bench/operatorProbe.ts operator/controller/main.ts`), never in production. It counts the
 * HTTP requests the process sends (undici for @kubernetes/client-node's typed calls and watches,
 * node:http(s) for the informers' raw lists) through diagnostics channels, which observe without
 * wrapping anything, and serves them with the V8 heap figures on 127.0.0.1:$BENCH_PROBE_PORT.
 * The operator's /metrics has neither a heap gauge nor a client request counter. Its own cost (a
 * counter map and an idle HTTP server) is part of the operator RSS the bench reports.
 */
import { subscribe } from "node:diagnostics_channel";
import { createServer } from "node:http";
import { routeOf } from "./requestRoute.js";

interface ProbeSnapshot {
  requests: number;
  byRoute: Record<string, number>;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  rssBytes: number;
}

const byRoute: Record<string, number> = {};
let requests = 0;

function count(method: string, path: string): void {
  requests++;
  const route = routeOf(method, path);
  byRoute[route] = (byRoute[route] ?? 0) + 1;
}

subscribe("undici:request:create", (message) => {
  const { request } = message as { request: { method: string; path: string } };
  count(request.method, request.path);
});
subscribe("http.client.request.start", (message) => {
  const { request } = message as { request: { method: string; path: string } };
  count(request.method, request.path);
});

const port = Number(process.env.BENCH_PROBE_PORT ?? "");
if (Number.isInteger(port) && port > 0) {
  const server = createServer((req, res) => {
    // ?gc=1 with --expose-gc: the live heap, not whatever garbage the last cycle left.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (req.url?.includes("gc=1") && gc) gc();
    const mem = process.memoryUsage();
    const snapshot: ProbeSnapshot = {
      requests,
      byRoute: { ...byRoute },
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      rssBytes: mem.rss,
    };
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(snapshot));
  });
  server.listen(port, "127.0.0.1");
  // Never keeps the operator alive on shutdown.
  server.unref();
}
