/**
 * The HTTP status of a failed API call: client-node's ApiException carries it as a numeric
 * `code`; anything else (network errors, our own errors) has none.
 */
export function apiStatusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}
