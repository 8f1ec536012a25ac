/** The real helm binary built by `npm run tools:build`, run with an argument array. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { toolsBinDir } from "./controlPlane.js";
import { repoRoot } from "./repoRoot.js";

export const CHART_DIR = join(repoRoot, "charts", "diagnose-operator");

let cached: string | undefined;

function helmPath(): string {
  if (cached) return cached;
  const path = join(toolsBinDir(), "helm");
  if (!existsSync(path)) throw new Error(`helm not found at ${path}: run npm run tools:build`);
  cached = path;
  return path;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: readonly string[], env: NodeJS.ProcessEnv = {}): HelmResult {
  const r = spawnSync(helmPath(), args, {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    // Keep helm's cache/config out of the user's home and away from other tests.
    env: { ...process.env, ...env },
  });
  return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** helm, failing with its stderr when it exits non-zero. */
export function helmOk(args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const r = helm(args, env);
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}
