/**
 * A small raw HTTPS client for the benchmark's own traffic to the apiserver: JSON requests over
 * a keep-alive agent (bounded sockets) and line-delimited watch streams. Raw, not the typed
 * client, so the bench controls headers (merge patches) and sees watch events with no decoding
 * layer in between that would add to the measured floor.
 */
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export class BenchApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "BenchApiError";
  }
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Record<string, unknown> & {
    metadata?: {
      name?: string;
      namespace?: string;
      resourceVersion?: string;
      labels?: Record<string, string>;
    };
  };
}

export interface WatchHandle {
  stop(): void;
  /** Resolves once the response headers arrived (the watch is established). */
  established: Promise<void>;
}

export class BenchApi {
  private readonly agent: https.Agent;
  private readonly server: URL;
  private base: https.RequestOptions = {};
  /** Requests this client sent (the bench's own traffic, for the record). */
  requests = 0;

  private constructor(kubeConfig: KubeConfig, maxSockets: number) {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error("kubeconfig has no current cluster");
    this.server = new URL(server);
    this.agent = new https.Agent({ keepAlive: true, maxSockets });
  }

  static async create(kubeConfig: KubeConfig, maxSockets = 32): Promise<BenchApi> {
    const api = new BenchApi(kubeConfig, maxSockets);
    const opts: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(opts);
    api.base = opts;
    return api;
  }

  private url(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    opts: { contentType?: string; query?: Record<string, string> } = {},
  ): Promise<T> {
    this.requests++;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...(this.base.headers as Record<string, string> | undefined),
      Accept: "application/json",
    };
    if (payload !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        this.url(path, opts.query),
        { ...this.base, method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              let message = text.slice(0, 300);
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? message;
              } catch {}
              reject(new BenchApiError(status, `${method} ${path}: ${status} ${message}`));
              return;
            }
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The collection's current resourceVersion (a one-item list), to watch from "now". */
  async currentResourceVersion(path: string): Promise<string> {
    const list = await this.request<{ metadata?: { resourceVersion?: string } }>(
      "GET",
      path,
      undefined,
      {
        query: { limit: "1" },
      },
    );
    const rv = list.metadata?.resourceVersion;
    if (!rv) throw new Error(`no resourceVersion on ${path}`);
    return rv;
  }

  /**
   * Watches `path` from `resourceVersion`, calling `onEvent` for each line as it arrives (the
   * receive time is taken by the caller inside `onEvent`). `onEnd` is called if the stream ends
   * before stop().
   */
  watch(
    path: string,
    resourceVersion: string,
    onEvent: (e: WatchEvent) => void,
    onEnd: (err?: Error) => void,
    query: Record<string, string> = {},
  ): WatchHandle {
    this.requests++;
    const controller = new AbortController();
    let stopped = false;
    let established: () => void = () => {};
    let failed: (err: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      established = resolve;
      failed = reject;
    });
    const req = https.request(
      this.url(path, {
        ...query,
        watch: "1",
        resourceVersion,
        allowWatchBookmarks: "true",
        timeoutSeconds: "3600",
      }),
      {
        ...this.base,
        method: "GET",
        headers: {
          ...(this.base.headers as Record<string, string> | undefined),
          Accept: "application/json",
        },
        signal: controller.signal,
      },
      (res) => {
        if (res.statusCode !== 200) {
          const err = new BenchApiError(res.statusCode ?? 0, `watch ${path}: ${res.statusCode}`);
          failed(err);
          onEnd(err);
          res.resume();
          return;
        }
        established();
        res.setEncoding("utf8");
        let buf = "";
        res.on("data", (chunk: string) => {
          buf += chunk;
          for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) onEvent(JSON.parse(line) as WatchEvent);
          }
        });
        res.on("end", () => {
          if (!stopped) onEnd();
        });
        res.on("error", (err) => {
          if (!stopped) onEnd(err);
        });
      },
    );
    req.on("error", (err) => {
      failed(err);
      if (!stopped) onEnd(err);
    });
    req.end();
    return {
      established: ready,
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  close(): void {
    this.agent.destroy();
  }
}
