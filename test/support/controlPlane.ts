/**
 * A real local control plane for integration tests: etcd + kube-apiserver +
 * kube-controller-manager, started by hack/cluster-up.sh (the one place that
 * knows the certificates and flags) in a fresh temp dir on free ports, and
 * stopped by hack/cluster-down.sh. No scheduler or kubelet: Pods stay Pending.
 * Binaries come from `npm run tools:build`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

import {
  clusterDownScript as clusterDown,
  clusterUpScript as clusterUp,
  stopClusterSync as stopSync,
  trackCluster,
  untrackCluster,
} from "./clusterTeardown.js";
import { repoRoot } from "./repoRoot.js";
import { runCommand, tailLines } from "./runCommand.js";

export { repoRoot };

export interface ControlPlaneOptions {
  /** Seconds to wait for each component (and the apiserver's /readyz). Default 60. */
  readyTimeoutSeconds?: number;
  /** Parent folder for the state dir. Default: the OS temp dir. */
  parentDir?: string;
  /** Don't echo progress to stderr. */
  quiet?: boolean;
}

export interface ControlPlane {
  /** State dir: certs, kubeconfigs, etcd data, logs. Removed by stop(). */
  dir: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** https://127.0.0.1:<port> */
  server: string;
  logDir: string;
  apiserverLogPath: string;
  controllerManagerLogPath: string;
  etcdLogPath: string;
  /** Milliseconds from spawn to all components ready. */
  startupMs: number;
  stop(): Promise<void>;
}

/** K8S_VERSION pinned in hack/lib/tools-env.sh, e.g. "v1.34.4". */
export function pinnedKubernetesVersion(): string {
  const env = readFileSync(join(repoRoot, "hack", "lib", "tools-env.sh"), "utf8");
  const m = /^K8S_VERSION="([^"]+)"/m.exec(env);
  if (!m?.[1]) throw new Error("K8S_VERSION not found in hack/lib/tools-env.sh");
  return m[1];
}

/** The folder of the binaries hack/build-tools.sh built (hack/tools-path.sh). */
export function toolsBinDir(): string {
  const r = spawnSync("bash", [join(repoRoot, "hack", "tools-path.sh")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`hack/tools-path.sh failed: ${r.stderr}`);
  return r.stdout.trim();
}

function readTail(path: string, lines: number): string {
  try {
    return tailLines(readFileSync(path, "utf8"), lines);
  } catch {
    return "(no log)";
  }
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const timeout = opts.readyTimeoutSeconds ?? 60;
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), "diagnose-cp-"));
  const logDir = join(dir, "logs");
  const apiserverLogPath = join(logDir, "kube-apiserver.log");
  trackCluster(dir);

  const started = Date.now();
  const say = (msg: string): void => {
    if (!opts.quiet) process.stderr.write(`controlPlane: ${msg}\n`);
  };
  say(`starting in ${dir}`);

  // cluster-up.sh waits up to `timeout` seconds for each of its three components.
  const up = await runCommand("bash", [clusterUp], {
    env: {
      ...process.env,
      DIAGNOSE_CLUSTER_DIR: dir,
      DIAGNOSE_CLUSTER_TIMEOUT: String(timeout),
    },
    timeoutMs: (3 * timeout + 60) * 1000,
    killSignal: "SIGTERM",
    echo: !opts.quiet,
  });
  const { stderr, exitCode: code } = up;

  if (code !== 0) {
    // cluster-up.sh prints the log tail of a component that failed to come up;
    // add the apiserver's when it did not (e.g. the controller-manager failed).
    const apiserverTail =
      existsSync(apiserverLogPath) && !stderr.includes("logs/kube-apiserver.log ---")
        ? `\n--- last lines of kube-apiserver log ---\n${readTail(apiserverLogPath, 25)}`
        : "";
    stopSync(dir);
    const hint = stderr.includes("npm run tools:build")
      ? "control plane binaries are missing: run npm run tools:build"
      : `control plane did not start (hack/cluster-up.sh exited ${code})`;
    throw new Error(`${hint}\n--- cluster-up output ---\n${tailLines(stderr, 40)}${apiserverTail}`);
  }

  const kubeconfigPath = join(dir, "kubeconfig");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) {
    stopSync(dir);
    throw new Error(`no server in ${kubeconfigPath}`);
  }
  const startupMs = Date.now() - started;
  say(`ready at ${server} in ${(startupMs / 1000).toFixed(1)}s`);

  let stopped = false;
  return {
    dir,
    kubeconfigPath,
    kubeConfig,
    server,
    logDir,
    apiserverLogPath,
    controllerManagerLogPath: join(logDir, "kube-controller-manager.log"),
    etcdLogPath: join(logDir, "etcd.log"),
    startupMs,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      untrackCluster(dir);
      await runCommand("bash", [clusterDown], {
        env: { ...process.env, DIAGNOSE_CLUSTER_DIR: dir },
        timeoutMs: 120_000,
        killSignal: "SIGTERM",
        echo: !opts.quiet,
      }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      say("stopped");
    },
  };
}
