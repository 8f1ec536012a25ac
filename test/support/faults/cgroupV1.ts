/**
 * cgroup v1 memory + cpu cgroups for the fault makers: a scenario's own cgroup (ScenarioCgroup),
 * the processes started inside one, and their removal (a cgroup with live tasks cannot go).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { type CommandResult, type RunCommandOptions, runCommand } from "../runCommand.js";
import { waitFor } from "../waitFor.js";

/** The pids in a cgroup directory's cgroup.procs; none when it is gone. */
export async function cgroupPids(dir: string): Promise<number[]> {
  const text = await readFile(`${dir}/cgroup.procs`, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map(Number);
}

/** Kills what is left in a cgroup and removes it; a cgroup with live tasks cannot be removed. */
export async function removeCgroupDir(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const pid of await cgroupPids(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY") throw e;
    }
    await sleep(100);
  }
  throw new Error(`could not remove ${dir}: processes keep it busy`);
}

/** Every cgroup these scenario makers create starts with this, so stale ones can be found. */
const S1_PREFIX = "diagnose-s1-";

const ROOT = "/sys/fs/cgroup";

export interface ScenarioCgroupOptions {
  memoryLimitBytes?: number;
  /** CFS quota in microseconds per 100 ms period (10000 = 0.1 CPU). */
  cpuQuotaUsec?: number;
}

/** Whether this host has the cgroup v1 memory and cpu hierarchies (the test machine does). */
export function cgroupV1Hierarchies(): boolean {
  return existsSync(`${ROOT}/memory/cgroup.procs`) && existsSync(`${ROOT}/cpu/cgroup.procs`);
}

/** cgroupV1Hierarchies() and root, who alone may make cgroups there. */
export function cgroupV1Available(): boolean {
  return process.getuid?.() === 0 && cgroupV1Hierarchies();
}

/** Moves itself into the cgroups named by $1 and $2 (cgroup.procs files), then execs the rest. */
const JOIN_THEN_EXEC = 'echo $$ > "$1" && echo $$ > "$2" && shift 2 && exec "$@"';

/**
 * The argv of `sh` that runs command inside both cgroups: a fixed script moves itself in and then
 * execs the command, whose argv is passed as arguments (no shell string is built from data).
 */
function joinThenExecArgv(
  memoryDir: string,
  cpuDir: string,
  command: string,
  args: readonly string[],
): string[] {
  return [
    "-c",
    JOIN_THEN_EXEC,
    "sh",
    `${memoryDir}/cgroup.procs`,
    `${cpuDir}/cgroup.procs`,
    command,
    ...args,
  ];
}

/**
 * Processes started inside a v1 memory + cpu cgroup pair, remembered for cleanup. Used by
 * ScenarioCgroup and by the demo's kubelet-shaped cgroup (test/demo/kubeletCgroup.ts).
 */
export class CgroupProcesses {
  private readonly children = new Set<ChildProcess>();
  /** Every pid started here: a SIGKILLed JVM leaves its /tmp/hsperfdata_<user>/<pid> behind. */
  private readonly startedPids = new Set<number>();

  constructor(
    private readonly memoryDir: string,
    private readonly cpuDir: string,
  ) {}

  /** Starts a command inside both cgroups (joinThenExecArgv). */
  spawn(
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    const child = spawn("sh", joinThenExecArgv(this.memoryDir, this.cpuDir, command, args), {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    this.children.add(child);
    if (child.pid !== undefined) this.startedPids.add(child.pid);
    child.on("exit", () => this.children.delete(child));
    return child;
  }

  /** SIGKILLs every process started here that is still running. */
  killAll(): void {
    for (const c of this.children) c.kill("SIGKILL");
  }

  /** Removes the perf counter files the JVMs started here left in /tmp. */
  async removePerfCounterFiles(): Promise<void> {
    for (const pid of this.startedPids)
      await rm(`/tmp/hsperfdata_${userInfo().username}/${pid}`, { force: true });
  }
}

/** A memory + cpu cgroup pair (v1) with one unique name, for one scenario. */
export class ScenarioCgroup {
  readonly name: string;
  readonly memoryDir: string;
  readonly cpuDir: string;
  private readonly processes: CgroupProcesses;

  private constructor(name: string) {
    this.name = name;
    this.memoryDir = `${ROOT}/memory/${name}`;
    this.cpuDir = `${ROOT}/cpu/${name}`;
    this.processes = new CgroupProcesses(this.memoryDir, this.cpuDir);
  }

  /** The cgroup path as the kernel names it (/proc/<pid>/cgroup, oom_memcg=). */
  get path(): string {
    return `/${this.name}`;
  }

  static async create(label: string, opts: ScenarioCgroupOptions = {}): Promise<ScenarioCgroup> {
    const unique = `${S1_PREFIX}${label}-${process.pid}-${Date.now().toString(36)}`;
    const cg = new ScenarioCgroup(unique);
    await mkdir(cg.memoryDir);
    await mkdir(cg.cpuDir);
    if (opts.memoryLimitBytes !== undefined) {
      await writeFile(`${cg.memoryDir}/memory.limit_in_bytes`, String(opts.memoryLimitBytes));
      // Without swap accounting a limit could be met by swapping instead of an OOM kill.
      await writeFile(`${cg.memoryDir}/memory.swappiness`, "0").catch(() => undefined);
    }
    if (opts.cpuQuotaUsec !== undefined) {
      await writeFile(`${cg.cpuDir}/cpu.cfs_period_us`, "100000");
      await writeFile(`${cg.cpuDir}/cpu.cfs_quota_us`, String(opts.cpuQuotaUsec));
    }
    return cg;
  }

  /** Starts a command inside both cgroups (see CgroupProcesses.spawn). */
  spawn(
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    return this.processes.spawn(command, args, env);
  }

  /** Runs a command inside both cgroups to its end (runCommand: a deadline, bounded output). */
  run(
    command: string,
    args: readonly string[],
    opts: RunCommandOptions = {},
  ): Promise<CommandResult> {
    return runCommand("sh", joinThenExecArgv(this.memoryDir, this.cpuDir, command, args), opts);
  }

  /** spawn(), then waits until the process is in the cgroup (its sh wrapper has moved it). */
  async spawnJoined(
    command: string,
    args: readonly string[],
    timeoutMs = 5000,
  ): Promise<ChildProcess> {
    const child = this.spawn(command, args);
    await waitFor(`${command} in ${this.name}`, timeoutMs, async () =>
      (await this.pids()).includes(child.pid!),
    );
    return child;
  }

  pids(): Promise<number[]> {
    return cgroupPids(this.memoryDir);
  }

  async readMemoryFile(name: string): Promise<string> {
    return readFile(`${this.memoryDir}/${name}`, "utf8");
  }

  /** Kills every process in the cgroup and removes it; safe to call twice. */
  async destroy(): Promise<void> {
    this.processes.killAll();
    await removeCgroupDir(this.memoryDir);
    await removeCgroupDir(this.cpuDir);
    await this.processes.removePerfCounterFiles();
  }
}

/** Removes cgroups left by earlier, interrupted scenario runs. */
export async function removeStaleScenarioCgroups(): Promise<string[]> {
  const removed: string[] = [];
  for (const controller of ["memory", "cpu"]) {
    const dir = `${ROOT}/${controller}`;
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const e of entries) {
      if (!e.startsWith(S1_PREFIX)) continue;
      await removeCgroupDir(`${dir}/${e}`);
      removed.push(`${dir}/${e}`);
    }
  }
  return removed;
}
