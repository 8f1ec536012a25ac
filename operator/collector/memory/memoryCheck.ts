import type { MemoryCgroupSnapshot, MemoryEvidence } from "../../report/evidence/memoryEvidence.js";
import { cgroupDir } from "../cgroupDirs.js";
import type { Check, CheckContext } from "../check.js";
import { ToolUnavailableError } from "../commandRunner.js";
import { readFilesIn, readTextIfExists } from "../readTextFile.js";
import { matchOomKills } from "./matchOomKills.js";
import {
  parseCgroupV1Memory,
  parseCgroupV2Memory,
  V1_MEMORY_FILES,
  V2_MEMORY_FILES,
} from "./parseCgroupMemory.js";
import { parseKernelLog } from "./parseKernelLog.js";
import { parseOomKills } from "./parseOomKills.js";
import { readKernelLog } from "./readKernelLog.js";

/** The memory cgroup path and version of the target, or why there is none. */
export function memoryCgroupOf(ctx: CheckContext): { version: 1 | 2; path: string } | undefined {
  const { cgroupVersion, cgroupPaths } = ctx.target;
  if (cgroupVersion === 1 && cgroupPaths.memory !== undefined) {
    return { version: 1, path: cgroupPaths.memory };
  }
  if (cgroupVersion === 2 && cgroupPaths.unified !== undefined) {
    return { version: 2, path: cgroupPaths.unified };
  }
  return undefined;
}

export async function readMemoryCgroup(ctx: CheckContext): Promise<MemoryCgroupSnapshot | string> {
  const cg = memoryCgroupOf(ctx);
  if (!cg) return "the target has no memory cgroup";
  const dir = await cgroupDir(ctx.sysRoot, cg.version, cg.path, "memory");
  if (!dir) return `cgroup directory for ${cg.path} not found under ${ctx.sysRoot}/fs/cgroup`;
  if (cg.version === 1)
    return parseCgroupV1Memory(cg.path, await readFilesIn(dir, V1_MEMORY_FILES));
  return parseCgroupV2Memory(cg.path, await readFilesIn(dir, V2_MEMORY_FILES));
}

/** Boot time in ms since the epoch, from /proc/uptime, to date kernel log records. */
async function bootTimeMs(ctx: CheckContext): Promise<number | undefined> {
  const uptime = await readTextIfExists(`${ctx.procRoot}/uptime`);
  const secs = uptime ? Number.parseFloat(uptime) : Number.NaN;
  return Number.isFinite(secs) ? ctx.now().getTime() - secs * 1000 : undefined;
}

export async function collectMemory(ctx: CheckContext): Promise<MemoryEvidence> {
  const cg = memoryCgroupOf(ctx);
  if (!cg) throw new ToolUnavailableError("memory cgroup", "the target has no memory cgroup");
  const snapshot = await readMemoryCgroup(ctx);
  const evidence: MemoryEvidence = {
    kernelLog: { source: "none", oomKills: [], otherOomKills: 0 },
    processes: [],
  };
  if (typeof snapshot === "string") evidence.cgroupUnavailable = snapshot;
  else evidence.cgroup = snapshot;

  try {
    const log = await readKernelLog(ctx.kmsgPath, ctx.runner);
    const events = parseOomKills(parseKernelLog(log.text));
    const { matched, others } = matchOomKills(events, cg.path);
    const boot = await bootTimeMs(ctx);
    for (const ev of matched) {
      if (boot !== undefined && ev.usecSinceBoot !== undefined) {
        ev.time = new Date(boot + ev.usecSinceBoot / 1000).toISOString();
      }
    }
    evidence.kernelLog = { source: log.source, oomKills: matched, otherOomKills: others };
  } catch (e) {
    evidence.kernelLog.unavailable = (e as Error).message;
  }

  for (const pid of ctx.target.pids.slice(0, 64)) {
    const comm = await readTextIfExists(`${ctx.procRoot}/${pid}/comm`);
    if (comm !== undefined) evidence.processes.push({ pid, name: comm.trim() });
  }
  return evidence;
}

export const memoryCheck: Check<MemoryEvidence> = {
  name: "memory",
  scope: "pod",
  collect: collectMemory,
};
