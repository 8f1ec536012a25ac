/**
 * A cgroup laid out the way a kubelet (cgroupfs driver, cgroup v1) lays out a container's:
 * /kubepods[/burstable|/besteffort]/pod<uid>/<64-hex container id>, in the memory and cpu
 * hierarchies. The collector Job's `--container-id` finds the container by that last segment in
 * /proc/<pid>/cgroup, exactly as on a real node. Only the directories made here are removed.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { CgroupProcesses, cgroupPids, removeCgroupDir } from "../support/faults/cgroupV1.js";

const ROOT = "/sys/fs/cgroup";
const CONTROLLERS = ["memory", "cpu"] as const;

/** A container id as containerd makes them: 64 hex digits. */
export function randomContainerId(): string {
  return randomBytes(32).toString("hex");
}

/**
 * The kubelet's cgroup for a container (cgroupfs driver): Guaranteed pods sit directly under
 * kubepods, the other QoS classes under their own folder. The pod UID keeps its dashes.
 */
export function kubeletContainerCgroup(
  qosClass: string | undefined,
  podUid: string,
  containerId: string,
): string {
  if (!/^[0-9a-f-]{36}$/.test(podUid)) throw new Error(`not a pod UID: "${podUid}"`);
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error(`not a container id: "${containerId}"`);
  const qos =
    qosClass === "Guaranteed" ? "" : qosClass === "BestEffort" ? "besteffort/" : "burstable/";
  return `/kubepods/${qos}pod${podUid}/${containerId}`;
}

/** Every ancestor of a cgroup path, outermost first, itself last: /a, /a/b, /a/b/c. */
export function cgroupPathChain(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
}

export class KubeletCgroup {
  /** Directories made here (per controller), outermost first: removed innermost first. */
  private readonly made: string[] = [];
  private readonly processes: CgroupProcesses;

  private constructor(readonly path: string) {
    this.processes = new CgroupProcesses(this.dir("memory"), this.dir("cpu"));
  }

  static async create(
    path: string,
    opts: { memoryLimitBytes?: number } = {},
  ): Promise<KubeletCgroup> {
    const cg = new KubeletCgroup(path);
    try {
      for (const controller of CONTROLLERS) {
        for (const p of cgroupPathChain(path)) {
          const dir = `${ROOT}/${controller}${p}`;
          if (existsSync(dir)) continue;
          await mkdir(dir);
          cg.made.push(dir);
        }
      }
      if (opts.memoryLimitBytes !== undefined) {
        const dir = cg.dir("memory");
        await writeFile(`${dir}/memory.limit_in_bytes`, String(opts.memoryLimitBytes));
        // With swap the limit could be met by swapping instead of the OOM kill the demo shows.
        await writeFile(`${dir}/memory.swappiness`, "0").catch(() => undefined);
      }
    } catch (err) {
      await cg.destroy();
      throw err;
    }
    return cg;
  }

  dir(controller: (typeof CONTROLLERS)[number]): string {
    return `${ROOT}/${controller}${this.path}`;
  }

  /** Starts a command inside the cgroup, as a container runtime would (CgroupProcesses.spawn). */
  spawn(
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    return this.processes.spawn(command, args, env);
  }

  pids(): Promise<number[]> {
    return cgroupPids(this.dir("memory"));
  }

  readMemoryFile(name: string): Promise<string> {
    return readFile(`${this.dir("memory")}/${name}`, "utf8");
  }

  /** Kills every process in the cgroup and removes the directories made here; safe twice. */
  async destroy(): Promise<void> {
    this.processes.killAll();
    for (const dir of [...this.made].reverse()) await removeCgroupDir(dir);
    this.made.length = 0;
    await this.processes.removePerfCounterFiles();
  }
}
