import { setTimeout as sleep } from "node:timers/promises";
import type { CpuCgroupSnapshot, CpuEvidence } from "../../report/evidence/cpuEvidence.js";
import { cgroupDir } from "../cgroupDirs.js";
import type { Check, CheckContext } from "../check.js";
import { ToolUnavailableError } from "../commandRunner.js";
import { readFilesIn } from "../readTextFile.js";
import {
  diffCounters,
  parseCgroupV1Cpu,
  parseCgroupV2Cpu,
  V1_CPU_FILES,
  V1_CPUACCT_FILES,
  V2_CPU_FILES,
} from "./parseCgroupCpu.js";

async function readCpuCgroup(ctx: CheckContext): Promise<CpuCgroupSnapshot> {
  const { cgroupVersion, cgroupPaths } = ctx.target;
  if (cgroupVersion === 1 && cgroupPaths.cpu !== undefined) {
    const dir = await cgroupDir(ctx.sysRoot, 1, cgroupPaths.cpu, "cpu");
    if (!dir) throw new ToolUnavailableError("cpu cgroup", `${cgroupPaths.cpu} not found`);
    const files = await readFilesIn(dir, V1_CPU_FILES);
    const acctPath = cgroupPaths.cpuacct ?? cgroupPaths.cpu;
    const acctDir = await cgroupDir(ctx.sysRoot, 1, acctPath, "cpuacct");
    if (acctDir) Object.assign(files, await readFilesIn(acctDir, V1_CPUACCT_FILES));
    return parseCgroupV1Cpu(cgroupPaths.cpu, files);
  }
  if (cgroupVersion === 2 && cgroupPaths.unified !== undefined) {
    const dir = await cgroupDir(ctx.sysRoot, 2, cgroupPaths.unified);
    if (!dir) throw new ToolUnavailableError("cpu cgroup", `${cgroupPaths.unified} not found`);
    return parseCgroupV2Cpu(cgroupPaths.unified, await readFilesIn(dir, V2_CPU_FILES));
  }
  throw new ToolUnavailableError("cpu cgroup", "the target has no cpu cgroup");
}

export async function collectCpu(ctx: CheckContext): Promise<CpuEvidence> {
  const first = await readCpuCgroup(ctx);
  const seconds = ctx.options.sampleSeconds;
  if (!(seconds > 0) || first.quotaUsec === undefined) return { cgroup: first };
  await sleep(seconds * 1000);
  const second = await readCpuCgroup(ctx);
  return {
    cgroup: second,
    window: { seconds, counters: diffCounters(first.counters, second.counters) },
  };
}

export const cpuCheck: Check<CpuEvidence> = {
  name: "cpu",
  scope: "pod",
  collect: collectCpu,
};
