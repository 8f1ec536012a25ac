import { access } from "node:fs/promises";

/**
 * Where a cgroup's files are: v1 at <root>/<controller><path> (combined mounts such as
 * "cpu,cpuacct" usually have per-controller symlinks); v2 at <root><path> on a pure v2 host or
 * <root>/unified<path> on a hybrid one.
 */
export async function cgroupDir(
  sysRoot: string,
  version: 1 | 2,
  path: string,
  controller?: string,
): Promise<string | undefined> {
  const root = `${sysRoot}/fs/cgroup`;
  const suffix = path === "/" ? "" : path;
  const combinedCpu = controller === "cpu" || controller === "cpuacct";
  const candidates =
    version === 2
      ? [`${root}${suffix}`, `${root}/unified${suffix}`]
      : combinedCpu
        ? [
            `${root}/${controller}${suffix}`,
            `${root}/cpu,cpuacct${suffix}`,
            `${root}/cpuacct,cpu${suffix}`,
          ]
        : [`${root}/${controller}${suffix}`];
  for (const dir of candidates) {
    const probe = version === 1 ? `${dir}/cgroup.procs` : `${dir}/cgroup.controllers`;
    try {
      await access(probe);
      return dir;
    } catch {
      // try the next layout
    }
  }
  return undefined;
}
