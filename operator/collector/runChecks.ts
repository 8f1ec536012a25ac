import type { CheckName } from "../api/v1alpha1/diagnosis.js";
import type { CheckResult } from "../report/collectorReport.js";
import type { Check, CheckContext } from "./check.js";
import { ToolUnavailableError } from "./commandRunner.js";

export class CheckTimeoutError extends Error {
  override name = "CheckTimeoutError";
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs the checks concurrently (their sampling windows overlap, keeping the collector's wall
 * time near the longest check), each timed on its own; a failure becomes a result, never a throw.
 */
export async function runChecks(
  checks: readonly Check[],
  ctx: CheckContext,
  timeoutMsFor: (check: Check) => number,
): Promise<Partial<Record<CheckName, CheckResult>>> {
  const entries = await Promise.all(
    checks.map(async (check): Promise<[CheckName, CheckResult]> => {
      const started = performance.now();
      const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
      ctx.progress(`${check.name}: collecting`);
      try {
        const data = await withTimeout(check.collect(ctx), timeoutMsFor(check), check.name);
        ctx.progress(`${check.name}: done in ${elapsed()} ms`);
        return [check.name, { status: "ok", durationMs: elapsed(), data }];
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        const status = e instanceof ToolUnavailableError ? "unavailable" : "error";
        ctx.progress(`${check.name}: ${status}: ${reason}`);
        return [check.name, { status, durationMs: elapsed(), reason }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
