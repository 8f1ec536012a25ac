import type { CheckName } from "../api/v1alpha1/diagnosis.js";
import type { CheckResult } from "../report/collectorReport.js";
import type { Check, CheckContext } from "./check.js";
import { type CommandRunner, ToolUnavailableError } from "./commandRunner.js";

export class CheckTimeoutError extends Error {
  override name = "CheckTimeoutError";
}

/**
 * Races the check against its timeout; on timeout the check's commands are killed (through
 * `abort`). Whatever else the check still awaits (a read stuck in the kernel) is abandoned: the
 * race settles regardless, and the collector exits after its report (exitProcess.ts).
 */
function withTimeout<T>(p: Promise<T>, ms: number, what: string, abort: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort();
      reject(new CheckTimeoutError(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The same runner, every command of it tied to `signal` (unless the caller gave its own). */
function abortableRunner(runner: CommandRunner, signal: AbortSignal): CommandRunner {
  return {
    run: (command, args, options = {}) => runner.run(command, args, { signal, ...options }),
    stream: (command, args, onStdout, options = {}) =>
      runner.stream(command, args, onStdout, { signal, ...options }),
  };
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
      const controller = new AbortController();
      const own: CheckContext = { ...ctx, runner: abortableRunner(ctx.runner, controller.signal) };
      try {
        const data = await withTimeout(
          // A check that throws synchronously is a rejected promise like any other failure.
          Promise.resolve().then(() => check.collect(own)),
          timeoutMsFor(check),
          check.name,
          () => controller.abort(),
        );
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
