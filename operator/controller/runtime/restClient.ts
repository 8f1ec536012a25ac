/**
 * Requests to the apiserver as JSON over the connection pool KubeAccess provides: one kept-alive
 * TLS connection serves request after request. Each request has a deadline (connect, headers and
 * body: a connection that dies without a reset must not hold a list, a reconcile or a lease
 * renewal forever); past it the request fails with RequestTimeoutError, which callers retry like
 * any network error. A failed request throws ApiStatusError with the HTTP status as `code` (as
 * client-node's ApiException does, see apiStatusCode.ts) and the Status message, or the network
 * error. This is the operator's one request deadline: the lists and the watch's acceptance
 * (kubeListWatch.ts) and the Lease (leaseLock.ts) go through it too.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { KubeAccess } from "./kubeAccess.js";
import { type OmitRule, omitJsonMembers } from "./omitJsonMembers.js";

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Error bodies are Status objects; only their message is kept. */
const MAX_ERROR_BODY = 64 * 1024;

export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The Status' reason (NotFound, AlreadyExists, Conflict, Invalid...), when it had one. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ApiStatusError";
  }
}

/** A request that got no (complete) answer within its deadline. */
export class RequestTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RequestTimeoutError";
  }
}

export interface RestRequest {
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Of the body (default application/json; a merge patch says so here). */
  contentType?: string;
  /** The answer as text (pod logs), not JSON. */
  text?: boolean;
  /** Members of the JSON answer cut from its text before it is parsed (omitJsonMembers.ts). */
  omit?: readonly OmitRule[];
  /** Cancels the request (the caller stopped); the deadline applies as well. */
  signal?: AbortSignal;
}

export interface RestClientOptions {
  timeoutMs?: number;
  userAgent?: string;
}

function statusOf(body: string): { message?: string; reason?: string } {
  try {
    const s = JSON.parse(body) as { message?: unknown; reason?: unknown };
    return {
      ...(typeof s.message === "string" ? { message: s.message } : {}),
      ...(typeof s.reason === "string" ? { reason: s.reason } : {}),
    };
  } catch {
    return {};
  }
}

export class RestClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly access: KubeAccess,
    private readonly opts: RestClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async request<T>(method: string, path: string, req: RestRequest = {}): Promise<T> {
    try {
      return await this.once<T>(method, path, req);
    } catch (err) {
      // A pooled connection the server closed while idle fails before anything was answered;
      // the request never reached it, so it is sent again, once, on a new connection.
      if ((err as { reusedSocket?: boolean }).reusedSocket) return this.once<T>(method, path, req);
      throw err;
    }
  }

  private async once<T>(method: string, path: string, req: RestRequest): Promise<T> {
    const cluster = this.access.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    const url = new URL(cluster.server + path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: http.OutgoingHttpHeaders = {
      Accept: req.text ? "*/*" : "application/json",
      "User-Agent": this.opts.userAgent ?? "diagnose-operator",
    };
    if (body) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = body.length;
    }
    const options: https.RequestOptions = { method, headers };
    await this.access.applyToHTTPSOptions(options);
    const mod = url.protocol === "http:" ? http : https;
    const what = `${method} ${path}`;
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
    return new Promise<T>((resolve, reject) => {
      const fail = (err: unknown): void =>
        reject(
          deadline.aborted
            ? new RequestTimeoutError(`${what}: no complete answer within ${this.timeoutMs} ms`)
            : err,
        );
      let answered = false;
      const r = mod.request(url, { ...options, signal }, (res) => {
        answered = true;
        // Decoded chunk by chunk: each socket chunk is freed young, and no body-sized native
        // buffer is ever allocated (a list page of Diagnoses is ~1 MiB; such buffers are what
        // fragments the malloc heap for good). The text is one V8 string, flattened once.
        let text = "";
        const status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          if (status < 300 || text.length <= MAX_ERROR_BODY) text += c;
        });
        res.on("error", fail);
        res.on("end", () => {
          if (status < 200 || status >= 300) {
            const s = statusOf(text);
            reject(
              new ApiStatusError(
                status,
                `${what}: HTTP ${status}: ${s.message ?? text.slice(0, 500)}`,
                s.reason,
              ),
            );
            return;
          }
          if (req.text) return resolve(text as T);
          try {
            resolve(
              (text === "" ? undefined : JSON.parse(omitJsonMembers(text, req.omit ?? []))) as T,
            );
          } catch (err) {
            reject(new Error(`${what}: invalid JSON: ${String(err)}`));
          }
        });
      });
      r.on("error", (err) => {
        const e = err as Error & { reusedSocket?: boolean; code?: unknown };
        // Only a connection error before any answer on a reused connection is retried.
        if (!answered && r.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE"))
          e.reusedSocket = true;
        fail(err);
      });
      r.end(body);
    });
  }
}
