/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight; stops at the first error or
 * when `signal` aborts (no new calls start).
 */
export async function runBounded<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  onProgress?: (done: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (concurrency < 1) throw new RangeError("concurrency must be at least 1");
  let next = 0;
  let done = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      if (signal?.aborted) {
        failed ??= signal.reason;
        return;
      }
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
        return;
      }
      done++;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
