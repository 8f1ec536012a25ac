/**
 * How the chart's default values run the operator's process (charts/diagnose-operator/
 * values.yaml): its NODE_OPTIONS, its glibc malloc environment and its memory limit. The bench
 * and the memory tests start the operator as a child process the way the Deployment would.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "./repoRoot.js";

interface ChartValues {
  nodeOptions?: unknown;
  malloc?: { arenaMax?: unknown; mmapThresholdBytes?: unknown };
  resources?: { limits?: { memory?: unknown } };
}

function chartValues(): ChartValues {
  return parse(
    readFileSync(join(repoRoot, "charts/diagnose-operator/values.yaml"), "utf8"),
  ) as ChartValues;
}

/** The NODE_OPTIONS the chart's Deployment gives the operator. */
export function chartNodeOptions(): string {
  const v = chartValues().nodeOptions;
  return typeof v === "string" ? v : "";
}

/** The environment the chart gives the operator besides NODE_OPTIONS (glibc's malloc). */
export function chartProcessEnv(): Record<string, string> {
  const malloc = chartValues().malloc ?? {};
  const env: Record<string, string> = {};
  const set = (name: string, v: unknown): void => {
    if (typeof v === "number" && v > 0) env[name] = String(v);
  };
  set("MALLOC_ARENA_MAX", malloc.arenaMax);
  set("MALLOC_MMAP_THRESHOLD_", malloc.mmapThresholdBytes);
  return env;
}

/** The operator container's resources.limits.memory, in bytes (the chart writes Mi). */
export function chartMemoryLimitBytes(): number {
  const limit = String(chartValues().resources?.limits?.memory);
  const m = /^(\d+)Mi$/.exec(limit);
  if (!m) throw new Error(`unexpected memory limit ${limit}`);
  return Number(m[1]) * 2 ** 20;
}
