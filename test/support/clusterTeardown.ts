/**
 * Clusters started by hack/cluster-up.sh from a test process, torn down by hack/cluster-down.sh
 * even when the process exits or is interrupted before the suite's own `stop()`: a leaked
 * apiserver or kubelet would outlive the run and hold its ports and mounts.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repoRoot.js";

export const clusterUpScript = join(repoRoot, "hack", "cluster-up.sh");
export const clusterDownScript = join(repoRoot, "hack", "cluster-down.sh");

// Process-wide by nature: exit and signal hooks belong to the process, not to one suite.
const running = new Set<string>();
let hooksInstalled = false;

/** Synchronous teardown (usable from an exit hook); forgets the dir. */
export function stopClusterSync(dir: string): void {
  running.delete(dir);
  spawnSync("bash", [clusterDownScript], {
    env: { ...process.env, DIAGNOSE_CLUSTER_DIR: dir },
    stdio: "ignore",
  });
  rmSync(dir, { recursive: true, force: true });
}

/** From now until untrackCluster, the cluster in `dir` is torn down if the process ends. */
export function trackCluster(dir: string): void {
  installExitHooks();
  running.add(dir);
}

export function untrackCluster(dir: string): void {
  running.delete(dir);
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const dir of [...running]) stopClusterSync(dir);
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = (): void => {
      for (const dir of [...running]) stopClusterSync(dir);
      process.off(signal, handler);
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}
