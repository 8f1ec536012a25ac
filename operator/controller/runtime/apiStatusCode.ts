/**
 * The HTTP status of a failed API call, whoever made it: client-node's ApiException and our own
 * ApiStatusError (restClient.ts, kubeListWatch.ts) carry it as `code`, client-node's Watch as
 * `statusCode`, and a watch ERROR event's Status object as `code`. Network errors and our own
 * errors have none.
 */
export function apiStatusCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === "number") return code;
  return typeof statusCode === "number" ? statusCode : undefined;
}
