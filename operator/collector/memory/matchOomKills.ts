import type {
  MatchedOomKill,
  OomKillEvent,
  OomMatch,
} from "../../report/evidence/memoryEvidence.js";

function isAncestor(ancestor: string, path: string): boolean {
  if (ancestor === "/") return true;
  return path.startsWith(`${ancestor}/`);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * The parent of a Kubernetes container cgroup is the pod's cgroup ("pod<uid>" in cgroupfs and
 * systemd drivers). A restarted container gets a new container id, hence a new cgroup: the OOM
 * kill of its previous instance is recorded under a sibling path of the same pod.
 */
export function podCgroupOf(path: string): string | undefined {
  const parent = parentOf(path);
  return /pod[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}(\.slice)?$/.test(
    parent,
  )
    ? parent
    : undefined;
}

/** How an OOM kill relates to the target cgroup, if at all. */
export function matchOomKill(ev: OomKillEvent, targetPath: string): OomMatch | undefined {
  const task = ev.taskMemcg;
  // Descendants count (a container may nest cgroups), except under the root cgroup, which holds
  // every container: a process of the host itself is not a party to their OOM kills.
  if (
    task !== undefined &&
    (task === targetPath || (targetPath !== "/" && isAncestor(targetPath, task)))
  ) {
    return "cgroup";
  }
  if (ev.oomMemcg !== undefined && ev.oomMemcg === targetPath) return "cgroup";
  // The limit of an ancestor (the pod) was hit, killing a task of ours.
  if (task === undefined && ev.oomMemcg !== undefined && isAncestor(ev.oomMemcg, targetPath)) {
    return "ancestor";
  }
  const pod = podCgroupOf(targetPath);
  if (pod && task !== undefined && parentOf(task) === pod) return "pod";
  return undefined;
}

export function matchOomKills(
  events: readonly OomKillEvent[],
  targetPath: string,
): { matched: MatchedOomKill[]; others: number } {
  const matched: MatchedOomKill[] = [];
  let others = 0;
  for (const ev of events) {
    const how = matchOomKill(ev, targetPath);
    if (how) matched.push({ ...ev, matchedBy: how });
    else others++;
  }
  return { matched, others };
}
