import { waitFor } from "../support/waitFor.js";

/** waitFor that also gives up as soon as the demo is stopped. */
export function waitUntil<T>(
  signal: AbortSignal,
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false>,
  intervalMs = 200,
): Promise<T> {
  return waitFor(
    what,
    timeoutMs,
    async () => {
      signal.throwIfAborted();
      return probe();
    },
    intervalMs,
  );
}
