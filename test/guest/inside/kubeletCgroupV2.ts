import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { removeCgroupDir } from "../../support/faults/cgroupV1.js";

const ROOT = "/sys/fs/cgroup";
/** The node-allocatable slice a kubelet with the systemd cgroup driver makes. */
export const KUBEPODS = "/kubepods.slice";
const BURSTABLE = `${KUBEPODS}/kubepods-burstable.slice`;

export type CgroupFileName =
  | "memory.max"
  | "memory.current"
  | "memory.peak"
  | "memory.events"
  | "memory.stat"
  | "memory.swap.max"
  | "cpu.max"
  | "cpu.stat"
  | "cpu.weight"
  | "cgroup.procs";

/** Turns controllers on for a cgroup's children (cgroup v2 has no controllers by default). */
async function enableControllers(path: string, controllers: readonly string[]): Promise<void> {
  await writeFile(
    `${ROOT}${path === "/" ? "" : path}/cgroup.subtree_control`,
    controllers.map((c) => `+${c}`).join(" "),
  );
}

async function mkdirCgroup(path: string): Promise<void> {
  if (!existsSync(`${ROOT}${path}`)) await mkdir(`${ROOT}${path}`);
}

/**
 * The cgroup v2 tree a kubelet with the systemd driver builds for a Burstable pod:
 * /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope.
 * Root only; processes are moved in through cgroup.procs, as runc does.
 */
export class KubeletCgroupTree {
  private readonly containers: string[] = [];
  private readonly pods: string[] = [];

  /** Enables cpu and memory from the root down to the burstable QoS slice. */
  static async prepare(): Promise<KubeletCgroupTree> {
    // systemd enables memory and pids at the root; the kubelet needs cpu as well.
    await enableControllers("/", ["cpu", "memory", "pids"]);
    for (const p of [KUBEPODS, BURSTABLE]) {
      await mkdirCgroup(p);
      await enableControllers(p, ["cpu", "memory", "pids"]);
    }
    return new KubeletCgroupTree();
  }

  /** A pod slice (uid with underscores, as the systemd driver names it). */
  async pod(uid: string = randomUUID()): Promise<string> {
    const path = `${BURSTABLE}/kubepods-burstable-pod${uid.replaceAll("-", "_")}.slice`;
    await mkdirCgroup(path);
    await enableControllers(path, ["cpu", "memory", "pids"]);
    this.pods.push(path);
    return path;
  }

  /** A container scope in the pod, with optional limits; returns its cgroup path. */
  async container(
    pod: string,
    opts: { id?: string; memoryMaxBytes?: number; cpuMax?: string } = {},
  ): Promise<{ id: string; path: string }> {
    const id = opts.id ?? randomBytes(32).toString("hex");
    const path = `${pod}/cri-containerd-${id}.scope`;
    await mkdirCgroup(path);
    if (opts.memoryMaxBytes !== undefined) {
      await this.write(path, "memory.max", String(opts.memoryMaxBytes));
      // No swap in the guest, but a kubelet sets this too: the limit is met by an OOM kill.
      await this.write(path, "memory.swap.max", "0");
    }
    if (opts.cpuMax !== undefined) await this.write(path, "cpu.max", opts.cpuMax);
    this.containers.push(path);
    return { id, path };
  }

  async write(path: string, file: CgroupFileName, value: string): Promise<void> {
    await writeFile(`${ROOT}${path}/${file}`, value);
  }

  read(path: string, file: CgroupFileName): Promise<string> {
    return readFile(`${ROOT}${path}/${file}`, "utf8");
  }

  /** Reads several files of one cgroup, as name -> content. */
  async readAll(path: string, files: readonly CgroupFileName[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of files) out[f] = await this.read(path, f);
    return out;
  }

  /**
   * Starts a command inside a container cgroup: a fixed sh script moves itself in, sets its OOM
   * score (the kubelet gives Burstable containers 2..999) and execs the command, optionally as
   * another user through setpriv. The argv is passed as arguments, never as a shell string.
   */
  spawn(
    path: string,
    command: string,
    args: readonly string[],
    opts: { oomScoreAdj?: number; uid?: number } = {},
  ): ChildProcess {
    const asUser =
      opts.uid === undefined
        ? []
        : ["setpriv", `--reuid=${opts.uid}`, `--regid=${opts.uid}`, "--clear-groups", "--"];
    return spawn(
      "sh",
      [
        "-c",
        'echo $$ > "$1" && echo "$2" > /proc/self/oom_score_adj && shift 2 && exec "$@"',
        "sh",
        `${ROOT}${path}/cgroup.procs`,
        String(opts.oomScoreAdj ?? 0),
        ...asUser,
        command,
        ...args,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
  }

  /** Kills what runs in the containers and removes every cgroup made here, leaves first. */
  async destroy(): Promise<void> {
    for (const p of this.containers.splice(0).reverse()) await removeCgroupDir(`${ROOT}${p}`);
    for (const p of this.pods.splice(0).reverse()) await removeCgroupDir(`${ROOT}${p}`);
  }
}
