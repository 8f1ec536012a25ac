import { readdir } from "node:fs/promises";
import { hostname } from "node:os";
import type { TargetInfo } from "../report/collectorReport.js";
import { containerIdFromCgroupPath, normalizeContainerId } from "./containerIdFromCgroupPath.js";
import {
  cgroupVersionOf,
  type ProcCgroups,
  parseProcCgroup,
  targetCgroupPaths,
} from "./parseProcCgroup.js";
import { readTextIfExists } from "./readTextFile.js";

/** The target does not exist (no such process, no process in that container). */
export class TargetNotFoundError extends Error {
  override name = "TargetNotFoundError";
}

export type TargetSpec = { pid: number } | { containerId: string } | { node: true };

/** The path that identifies "the container": the memory cgroup on v1, the unified one on v2. */
function identityPath(cg: ProcCgroups): string | undefined {
  return cgroupVersionOf(cg) === 1 ? (cg.v1.memory ?? cg.v1.cpu) : cg.unified;
}

async function listPids(procRoot: string): Promise<number[]> {
  const names = await readdir(procRoot);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

async function cgroupsOf(procRoot: string, pid: number): Promise<ProcCgroups | undefined> {
  const text = await readTextIfExists(`${procRoot}/${pid}/cgroup`);
  return text === undefined ? undefined : parseProcCgroup(text);
}

/** Every process whose cgroup satisfies `accept`, scanning /proc (works without sysfs access). */
async function pidsWhere(
  procRoot: string,
  accept: (path: string) => boolean,
): Promise<{ pid: number; cg: ProcCgroups }[]> {
  const out: { pid: number; cg: ProcCgroups }[] = [];
  for (const pid of await listPids(procRoot)) {
    const cg = await cgroupsOf(procRoot, pid);
    const path = cg && identityPath(cg);
    if (cg && path !== undefined && accept(path)) out.push({ pid, cg });
  }
  return out;
}

/** Ascending, but the pid the user named comes first: probes that need one process use pids[0]. */
function orderedPids(pids: number[], requested: number | undefined): number[] {
  const rest = [...new Set(pids)].filter((p) => p !== requested).sort((a, b) => a - b);
  return requested === undefined ? rest : [requested, ...rest];
}

export async function resolveTarget(spec: TargetSpec, procRoot: string): Promise<TargetInfo> {
  if ("node" in spec) {
    return { kind: "node", pids: [], cgroupPaths: {}, hostname: hostname() };
  }
  let cg: ProcCgroups | undefined;
  let members: { pid: number; cg: ProcCgroups }[];
  if ("pid" in spec) {
    cg = await cgroupsOf(procRoot, spec.pid);
    if (!cg)
      throw new TargetNotFoundError(`no process with pid ${spec.pid} (${procRoot}/${spec.pid})`);
    const path = identityPath(cg);
    if (path === undefined) throw new TargetNotFoundError(`pid ${spec.pid} has no cgroup entry`);
    members = path === "/" ? [{ pid: spec.pid, cg }] : await pidsWhere(procRoot, (p) => p === path);
    if (!members.some((m) => m.pid === spec.pid)) members.unshift({ pid: spec.pid, cg });
  } else {
    const want = normalizeContainerId(spec.containerId);
    if (want.length < 12 || !/^[0-9a-f]+$/.test(want)) {
      throw new TargetNotFoundError(
        `container id "${spec.containerId}" must be at least 12 hex digits (optionally runtime://)`,
      );
    }
    members = await pidsWhere(procRoot, (p) => {
      const id = containerIdFromCgroupPath(p);
      return id?.startsWith(want) === true;
    });
    if (members.length === 0) {
      throw new TargetNotFoundError(`no process found in a cgroup of container ${want}`);
    }
    // Child cgroups (e.g. systemd inside) resolve to the container's own, shortest, path.
    members.sort((a, b) => identityPath(a.cg)!.length - identityPath(b.cg)!.length);
    cg = members[0]!.cg;
  }
  const version = cgroupVersionOf(cg);
  const paths = targetCgroupPaths(cg);
  const target: TargetInfo = {
    kind: "pod",
    pids: orderedPids(
      members.map((m) => m.pid),
      "pid" in spec ? spec.pid : undefined,
    ),
    cgroupPaths: paths,
    hostname: hostname(),
  };
  if (version !== undefined) target.cgroupVersion = version;
  const id = containerIdFromCgroupPath(identityPath(cg) ?? "");
  if (id) target.containerId = id;
  return target;
}
