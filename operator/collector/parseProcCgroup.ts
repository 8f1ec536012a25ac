/** The cgroups of one process, from /proc/<pid>/cgroup. */
export interface ProcCgroups {
  /** v1: path per controller ("memory", "cpu", "name=systemd"...). */
  v1: Record<string, string>;
  /** The "0::" entry: the v2 path (hybrid hosts have it next to v1 entries). */
  unified?: string;
}

/** Lines "hierarchy-id:controller-list:path". */
export function parseProcCgroup(text: string): ProcCgroups {
  const out: ProcCgroups = { v1: {} };
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers, path] = m;
    if (id === "0" && controllers === "") {
      out.unified = path!;
      continue;
    }
    for (const c of controllers!.split(",")) if (c) out.v1[c] = path!;
  }
  return out;
}

/** v1 when the memory controller is bound to a v1 hierarchy; v2 when only the unified entry exists. */
export function cgroupVersionOf(cg: ProcCgroups): 1 | 2 | undefined {
  if (cg.v1.memory !== undefined || cg.v1.cpu !== undefined) return 1;
  if (cg.unified !== undefined) return 2;
  return undefined;
}

/** Paths keyed as in TargetInfo.cgroupPaths: controller names for v1, "unified" for v2. */
export function targetCgroupPaths(cg: ProcCgroups): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of ["memory", "cpu", "cpuacct", "cpuset", "pids", "blkio"]) {
    const p = cg.v1[c];
    if (p !== undefined) out[c] = p;
  }
  if (cg.unified !== undefined) out.unified = cg.unified;
  return out;
}
