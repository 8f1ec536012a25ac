/**
 * rest_client_requests_total{code,method,host}: every request sent to the API server, with its
 * HTTP status ("<error>" when none came back), as client-go counts them.
 *
 * The operator's requests all go through node:http(s) (restClient.ts, the informers' lists and
 * watches); a runtime handed @kubernetes/client-node's clients (tests) sends through undici too.
 * The one place both publish to is Node's HTTP diagnostics channels, so the count is taken there,
 * for requests to the API server's host only, from start until the returned stop(). In the
 * operator's process that is exactly the operator's traffic; a test that runs the runtime
 * in-process counts its own requests to the same API server too.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";

interface UndiciRequest {
  method: string;
  origin: string | URL;
}

interface NodeClientRequest {
  method: string;
  getHeader(name: string): unknown;
}

export interface RequestCounter {
  inc(labels: { code: string; method: string; host: string }): void;
}

/** Starts counting requests to `server` (the API server URL); returns stop(). */
export function countApiRequests(server: string, counter: RequestCounter): () => void {
  const apiHost = new URL(server).host;
  // A response whose body fails later (a watch cut off) is one request, counted once.
  const counted = new WeakSet<object>();
  const count = (request: object, method: string, host: string, code: string): void => {
    if (host !== apiHost || counted.has(request)) return;
    counted.add(request);
    counter.inc({ code, method, host });
  };
  const undiciHost = (r: UndiciRequest): string => new URL(String(r.origin)).host;
  const nodeHost = (r: NodeClientRequest): string => String(r.getHeader("host") ?? "");

  const handlers: Array<[string, (message: unknown) => void]> = [
    [
      "undici:request:headers",
      (m) => {
        const { request, response } = m as {
          request: UndiciRequest;
          response: { statusCode: number };
        };
        count(request, request.method, undiciHost(request), String(response.statusCode));
      },
    ],
    [
      "undici:request:error",
      (m) => {
        const { request } = m as { request: UndiciRequest };
        count(request, request.method, undiciHost(request), "<error>");
      },
    ],
    [
      "http.client.response.finish",
      (m) => {
        const { request, response } = m as {
          request: NodeClientRequest;
          response: { statusCode?: number };
        };
        count(request, request.method, nodeHost(request), String(response.statusCode ?? 0));
      },
    ],
    [
      "http.client.request.error",
      (m) => {
        const { request } = m as { request: NodeClientRequest };
        count(request, request.method, nodeHost(request), "<error>");
      },
    ],
  ];
  // A subscriber that throws would crash the process (Node rethrows it on the next tick).
  const guarded = handlers.map(([name, handler]): [string, (message: unknown) => void] => [
    name,
    (m) => {
      try {
        handler(m);
      } catch {}
    },
  ]);
  for (const [name, handler] of guarded) subscribe(name, handler);
  return () => {
    for (const [name, handler] of guarded) unsubscribe(name, handler);
  };
}
