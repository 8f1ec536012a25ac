/**
 * Per-key exponential backoff (client-go's ItemExponentialFailureRateLimiter):
 * delay = base * 2^failures, capped. forget() resets a key after a success.
 */
export interface ExponentialBackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_BACKOFF: ExponentialBackoffOptions = {
  baseDelayMs: 5,
  maxDelayMs: 5 * 60_000,
};

export class ExponentialFailureRateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(private readonly opts: ExponentialBackoffOptions = DEFAULT_BACKOFF) {}

  /** Delay before the next retry of key; counts one more failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity for large n; min() keeps the cap exact.
    return Math.min(this.opts.baseDelayMs * 2 ** n, this.opts.maxDelayMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
