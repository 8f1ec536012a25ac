/** Wall time per named stage of a run, printed as a table at the end. */
export interface StageClock {
  /** Runs fn as stage `name` and records how long it took (also when it throws). */
  time<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Milliseconds left before the overall deadline (never below 0). */
  remainingMs(): number;
  /** "stage  seconds" lines, in run order, and the total. */
  report(): string;
}

export function createStageClock(deadlineMs: number, now: () => number = Date.now): StageClock {
  const started = now();
  const stages: { name: string; ms: number; failed: boolean }[] = [];
  return {
    async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const t0 = now();
      let failed = true;
      try {
        const value = await fn();
        failed = false;
        return value;
      } finally {
        stages.push({ name, ms: now() - t0, failed });
      }
    },
    remainingMs: () => Math.max(0, started + deadlineMs - now()),
    report(): string {
      const width = Math.max(5, ...stages.map((s) => s.name.length));
      const lines = stages.map(
        (s) =>
          `  ${s.name.padEnd(width)}  ${(s.ms / 1000).toFixed(1).padStart(6)}s${s.failed ? "  FAILED" : ""}`,
      );
      lines.push(
        `  ${"total".padEnd(width)}  ${((now() - started) / 1000).toFixed(1).padStart(6)}s`,
      );
      return lines.join("\n");
    },
  };
}
