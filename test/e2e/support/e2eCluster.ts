/**
 * A real one-node cluster on this machine for the e2e tests: `hack/cluster-up.sh --full`
 * (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd, CNI, kubelet, the
 * operator's image built from the Dockerfile and the workload images) in a fresh temp dir, torn down by `hack/cluster-down.sh`, which
 * also runs hack/e2e/node-down.sh. Also torn down synchronously if the test process exits or
 * is interrupted first.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import {
  clusterDownScript as clusterDown,
  clusterUpScript as clusterUp,
  stopClusterSync as stopSync,
  trackCluster,
  untrackCluster,
} from "../../support/clusterTeardown.js";
import { toolsBinDir } from "../../support/controlPlane.js";
import { mustRun, runCommand, succeeded } from "../../support/runCommand.js";

/** The node name and pod network hack/e2e/lib/node-env.sh gives the node. */
export const E2E_NODE_NAME = "diagnose-e2e";

/** The operator's image as hack/image/build.sh built it and the node imported it. */
export interface OperatorImage {
  /** ghcr.io/diagnose-dev/diagnose-operator:0.1.0 */
  ref: string;
  /** The ref without its tag: the chart's image.repository. */
  repository: string;
  /** sha256:... of the manifest: the chart's image.digest. */
  digest: string;
  /** `repository@digest`: what the pods run. */
  byDigest: string;
  sizeMiB: number;
  base: string;
  archive: string;
}

export interface E2eCluster {
  dir: string;
  operatorImage: OperatorImage;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** Folder of kubelet, kube-apiserver, helm... (hack/tools-path.sh). */
  toolsBin: string;
  /** Tears the whole cluster down; resolves with cluster-down's output. */
  stop(): Promise<string>;
}

/** Why this machine cannot run the e2e cluster, or undefined when it can. */
export function e2eUnavailableReason(toolsBin: string): string | undefined {
  if (process.getuid?.() !== 0)
    return "needs root (containerd, kubelet, cgroups, bridge, iptables)";
  for (const b of ["kubelet", "kube-scheduler", "kube-apiserver", "etcd", "helm"]) {
    if (!existsSync(join(toolsBin, b)))
      return `${join(toolsBin, b)} is missing: run bash hack/build-tools.sh --full`;
  }
  for (const c of [
    "containerd",
    "runc",
    "ctr",
    "jq",
    "javac",
    "go",
    "buildah",
    "mmdebstrap",
    "hping3",
    "nsenter",
  ]) {
    if (spawnSync("sh", ["-c", 'command -v "$1"', "sh", c]).status !== 0)
      return `${c} is not installed: run bash hack/install-system-deps.sh`;
  }
  if (!existsSync("/usr/lib/cni/bridge"))
    return "CNI plugins missing: apt-get install -y containernetworking-plugins";
  return undefined;
}

export async function startE2eCluster(parentDir: string, timeoutMs: number): Promise<E2eCluster> {
  const toolsBin = toolsBinDir();
  const dir = mkdtempSync(join(parentDir, "diagnose-e2e-"));
  trackCluster(dir);
  const env = { ...process.env, DIAGNOSE_CLUSTER_DIR: dir };
  try {
    await mustRun("bash", [clusterUp, "--full"], {
      env,
      timeoutMs,
      killSignal: "SIGTERM",
      echo: true,
    });
  } catch (err) {
    stopSync(dir);
    throw err;
  }
  const kubeconfigPath = join(dir, "kubeconfig");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  let stopped: Promise<string> | undefined;
  return {
    dir,
    operatorImage: readOperatorImage(join(dir, "operator-image.json")),
    kubeconfigPath,
    kubeConfig,
    toolsBin,
    stop(): Promise<string> {
      stopped ??= runCommand("bash", [clusterDown], {
        env,
        timeoutMs: 120_000,
        killSignal: "SIGTERM",
      })
        .then((r) => succeeded("bash", [clusterDown], r).output)
        .finally(() => {
          untrackCluster(dir);
          rmSync(dir, { recursive: true, force: true });
        });
      return stopped;
    },
  };
}

function readOperatorImage(path: string): OperatorImage {
  const m = JSON.parse(readFileSync(path, "utf8")) as Omit<
    OperatorImage,
    "repository" | "byDigest"
  >;
  const repository = m.ref.replace(/:[^:/]+$/, "");
  return { ...m, repository, byDigest: `${repository}@${m.digest}` };
}

/**
 * What a torn-down cluster left on this host: processes, mounts, the bridge, the nat chain
 * and the cgroups the node made (names from hack/e2e/lib/node-env.sh). Empty when clean.
 */
export function leftoversOf(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (cmdline.includes(dir)) found.push(`process ${pid}: ${cmdline.slice(0, 120)}`);
  }
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const target = line.split(" ")[4];
    if (target?.startsWith(dir)) found.push(`mount ${target}`);
  }
  if (existsSync("/sys/class/net/dgn-e2e0")) found.push("interface dgn-e2e0");
  for (const h of readdirSync("/sys/fs/cgroup")) {
    if (existsSync(join("/sys/fs/cgroup", h, "diagnose-e2e")))
      found.push(`cgroup ${h}/diagnose-e2e`);
  }
  const nat = spawnSync("iptables", ["-t", "nat", "-S", "DIAGNOSE-E2E"], { encoding: "utf8" });
  if (nat.status === 0) found.push("iptables nat chain DIAGNOSE-E2E");
  if (existsSync(dir)) found.push(`state dir ${dir}`);
  return found;
}
