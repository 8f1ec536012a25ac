/**
 * /healthz (the process works: a failing leader says so, and the kubelet restarts it), /readyz
 * (caches synced and current), /metrics (Prometheus text).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.js";
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "./metricsRegistry.js";

export interface Readiness {
  ready: boolean;
  /** One line per check, e.g. "informer pods: synced". */
  detail: string[];
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: MetricsRegistry;
  readiness: () => Readiness;
  /** Default: always live. */
  liveness?: () => Readiness;
  logger?: Logger;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz" || path === "/livez") {
      const r = opts.liveness?.() ?? { ready: true, detail: ["ok"] };
      res
        .writeHead(r.ready ? 200 : 503, { "Content-Type": "text/plain" })
        .end(`${r.detail.join("\n")}\n`);
    } else if (path === "/readyz") {
      const r = opts.readiness();
      res
        .writeHead(r.ready ? 200 : 503, { "Content-Type": "text/plain" })
        .end(`${r.detail.join("\n")}\n`);
    } else if (path === "/metrics") {
      let body: string;
      try {
        body = opts.registry.render();
      } catch (err) {
        opts.logger?.error("rendering metrics failed", { error: String(err) });
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }).end(body);
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
