/**
 * ListWatch over the Kubernetes API, authenticated through KubeAccess (so resourceVersion,
 * selectors, paging and deadlines are ours to set):
 * - a paged list through RestClient, each page under its request deadline (a connection that
 *   dies silently must not hold the list, and with it the cache sync, forever);
 * - a watch read as newline-delimited JSON events. It asks for bookmarks (allowWatchBookmarks)
 *   and a server-side timeout shorter than its idle deadline: the apiserver sends a bookmark
 *   shortly before that timeout and then ends the stream, so a healthy watch, however quiet,
 *   speaks within the idle deadline. One that does not (no event, no bookmark, no end) is on a
 *   dead connection: it ends with WatchIdleError and the informer starts a new one. Until the
 *   apiserver accepts it, a watch is under the same request deadline as any request.
 * Objects stay API JSON.
 */
import * as http from "node:http";
import * as https from "node:https";
import { apiStatusCode } from "./apiStatusCode.js";
import {
  type ListPage,
  type ListWatch,
  type WatchEventType,
  WatchIdleError,
  type WatchStream,
} from "./informer.js";
import type { KubeAccess } from "./kubeAccess.js";
import { type OmitRule, omitJsonMembers, underPath } from "./omitJsonMembers.js";
import {
  ApiStatusError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  RequestTimeoutError,
  RestClient,
} from "./restClient.js";

export const DEFAULT_WATCH_IDLE_TIMEOUT_MS = 45_000;
/** Error bodies are Status objects; only their message is kept, bounded. */
const MAX_ERROR_BODY = 64 * 1024;

export interface KubeListWatchOptions {
  kubeConfig: KubeAccess;
  /** Collection path, e.g. /api/v1/pods, /apis/batch/v1/namespaces/x/jobs. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Items per list page (default 100). Each page's JSON text and parsed objects are garbage once
   * decoded; 100 rather than 500 keeps that garbage young, so it dies in a scavenge instead of
   * growing the old space (10,000 pods under the chart's NODE_OPTIONS: ~177 -> ~152 MiB RSS).
   */
  pageSize?: number;
  /** Members of each object cut from the JSON text before it is parsed (Kind.omit). */
  omit?: readonly OmitRule[];
  /** Deadline of each list page, and of a watch's acceptance (default RestClient's, 30 s). */
  requestTimeoutMs?: number;
  /** A watch with no event or bookmark for this long is ended as dead (default 45 s). */
  watchIdleTimeoutMs?: number;
  /**
   * Server-side watch timeout in seconds; default random in [idle/2, 0.9 x idle), so the
   * apiserver's bookmark before that timeout, or its end of the stream, comes before the idle
   * deadline.
   */
  watchTimeoutSeconds?: () => number;
}

interface RawList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: Array<Record<string, unknown>>;
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 500);
  } catch {
    return body.slice(0, 500);
  }
}

export class KubeListWatch implements ListWatch {
  private readonly rest: RestClient;
  private readonly requestTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly omitFromItems: readonly OmitRule[];
  private readonly omitFromEvents: readonly OmitRule[];

  constructor(private readonly opts: KubeListWatchOptions) {
    this.omitFromItems = underPath(["items", "*"], opts.omit ?? []);
    this.omitFromEvents = underPath(["object"], opts.omit ?? []);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.idleTimeoutMs = opts.watchIdleTimeoutMs ?? DEFAULT_WATCH_IDLE_TIMEOUT_MS;
    this.rest = new RestClient(opts.kubeConfig, { timeoutMs: this.requestTimeoutMs });
  }

  async list<T>(signal: AbortSignal, decode: (raw: unknown) => T): Promise<ListPage<T>> {
    // An expired continue token (410) means the snapshot is gone: start the list over.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.listAllPages(signal, decode);
      } catch (err) {
        if (apiStatusCode(err) !== 410 || attempt >= 2) throw err;
      }
    }
  }

  private async listAllPages<T>(
    signal: AbortSignal,
    decode: (raw: unknown) => T,
  ): Promise<ListPage<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.rest.request<RawList>("GET", this.opts.path, {
        query: {
          limit: this.opts.pageSize ?? 100,
          continue: cont,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
        },
        signal,
        omit: this.omitFromItems,
      });
      // List items carry no apiVersion/kind; watch events do. Make cached objects uniform.
      const kind = page.kind?.endsWith("List") ? page.kind.slice(0, -4) : undefined;
      // Decoded page by page: only one page of full objects is ever alive.
      for (const item of page.items ?? []) {
        item.apiVersion ??= page.apiVersion;
        item.kind ??= kind;
        items.push(decode(item));
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  private serverTimeoutSeconds(): number {
    if (this.opts.watchTimeoutSeconds) return this.opts.watchTimeoutSeconds();
    const idle = this.idleTimeoutMs / 1000;
    return Math.max(1, Math.floor(idle / 2 + Math.random() * (0.4 * idle)));
  }

  /**
   * Resolves once the apiserver accepted the watch (HTTP 200); rejects when it did not (the
   * HTTP status as `code`, RequestTimeoutError past the request deadline, or the network error).
   * After that, onDone ends the stream: null for the server's normal end, else the error
   * (WatchIdleError for a silent one).
   */
  async watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchStream> {
    const cluster = this.opts.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    const path = this.opts.path;
    const url = new URL(cluster.server + path);
    const query: Record<string, string | undefined> = {
      watch: "true",
      allowWatchBookmarks: "true",
      resourceVersion,
      timeoutSeconds: String(this.serverTimeoutSeconds()),
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    };
    for (const [k, v] of Object.entries(query)) if (v) url.searchParams.set(k, v);
    const options: https.RequestOptions = {
      method: "GET",
      headers: { Accept: "application/json" },
    };
    await this.opts.kubeConfig.applyToHTTPSOptions(options);
    const mod = url.protocol === "http:" ? http : https;
    const idleMs = this.idleTimeoutMs;
    const omit = this.omitFromEvents;
    const acceptMs = this.requestTimeoutMs;
    return new Promise<WatchStream>((resolve, reject) => {
      let opened = false;
      let ended = false;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const end = (err: unknown): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        req.destroy();
        if (!opened) reject(err ?? new Error(`watch ${path}: closed before it was accepted`));
        else if (!stopped) onDone(err);
      };
      const arm = (ms: number, error: () => Error): void => {
        clearTimeout(timer);
        timer = setTimeout(() => end(error()), ms);
      };
      const idle = (): Error =>
        new WatchIdleError(`watch ${path}: no event or bookmark for ${idleMs} ms`, idleMs);
      const req = mod.request(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            if (body.length < MAX_ERROR_BODY) body += c;
          });
          res.on("end", () =>
            end(
              new ApiStatusError(status, `watch ${path}: HTTP ${status}: ${statusMessage(body)}`),
            ),
          );
          res.on("error", end);
          return;
        }
        opened = true;
        arm(idleMs, idle);
        resolve({
          stop: () => {
            stopped = true;
            end(null);
          },
        });
        // An event's line may span many chunks (a Diagnosis with its report: ~100 KiB): they are
        // kept apart and joined once, when its newline arrives.
        const parts: string[] = [];
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          let from = 0;
          for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", from)) {
            parts.push(chunk.slice(from, nl));
            from = nl + 1;
            const line = parts.join("");
            parts.length = 0;
            if (line.trim() === "") continue;
            arm(idleMs, idle);
            let event: { type?: string; object?: unknown };
            try {
              event = JSON.parse(omitJsonMembers(line, omit)) as {
                type?: string;
                object?: unknown;
              };
            } catch {
              end(new Error(`watch ${path}: undecodable event`));
              return;
            }
            if (ended) return;
            onEvent(event.type as WatchEventType, event.object);
          }
          if (from < chunk.length) parts.push(chunk.slice(from));
        });
        res.on("end", () => end(null));
        res.on("error", end);
        // Closed without the stream's end (a cut connection): an error, not the server's timeout.
        res.on("close", () =>
          end(res.complete ? null : new Error(`watch ${path}: connection closed mid-stream`)),
        );
      });
      req.on("error", end);
      arm(
        acceptMs,
        () => new RequestTimeoutError(`watch ${path}: not accepted within ${acceptMs} ms`),
      );
      req.end();
    });
  }
}
