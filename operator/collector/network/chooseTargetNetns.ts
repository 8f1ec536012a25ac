export interface PidNetns {
  pid: number;
  /** The `/proc/<pid>/ns/net` link text, e.g. "net:[4026532177]". */
  netns: string;
}

export interface NetnsChoice {
  pid: number;
  netns: string;
  /** Every distinct namespace the target's processes were in, with how many of them. */
  candidates: { netns: string; pids: number }[];
}

/**
 * Picks the network namespace to inspect among the target's processes. A container's processes
 * normally share one; when they do not (processes sharing a cgroup across namespaces, as with
 * `ip netns exec` on a plain host), prefer a namespace other than the host's (pid 1's), where
 * any process of the node may be; then the one most processes are in.
 */
export function chooseTargetNetns(
  pids: readonly PidNetns[],
  hostNetns: string | undefined,
): NetnsChoice | undefined {
  const counts = new Map<string, number[]>();
  for (const p of pids) counts.set(p.netns, [...(counts.get(p.netns) ?? []), p.pid]);
  const ranked = [...counts.entries()].sort(
    ([a, pa], [b, pb]) =>
      Number(a === hostNetns) - Number(b === hostNetns) ||
      pb.length - pa.length ||
      (a < b ? -1 : 1),
  );
  const best = ranked[0];
  if (!best) return undefined;
  return {
    pid: best[1][0]!,
    netns: best[0],
    candidates: ranked.map(([netns, ps]) => ({ netns, pids: ps.length })),
  };
}
