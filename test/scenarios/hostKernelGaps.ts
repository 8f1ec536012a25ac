import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Why a host scenario suite cannot run on this machine's kernel, or undefined when it can. The
 * reason goes into the suite's title, so a skipped suite says so instead of passing silently;
 * the guest suite (test/guest) covers cgroup v2 and netem on a Debian kernel either way.
 */
export function hostGap(needs: "root" | "cgroupV1" | "netem"): string | undefined {
  if (process.getuid?.() !== 0) return "needs root";
  if (needs === "cgroupV1") {
    const v1 = ["memory", "cpu"].every((c) => existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`));
    if (v1) return undefined;
    return existsSync("/sys/fs/cgroup/cgroup.controllers")
      ? "host is cgroup v2; covered by the guest suite"
      : "host has no cgroup v1 memory and cpu hierarchies; covered by the guest suite";
  }
  if (needs === "netem") {
    const builtIn = existsSync("/sys/module/sch_netem");
    const loadable = spawnSync("modprobe", ["-n", "-q", "sch_netem"]).status === 0;
    return builtIn || loadable
      ? undefined
      : "host kernel has no sch_netem; covered by the guest suite";
  }
  return undefined;
}

/** " (skipped: reason)" for a title, or "" when nothing is missing. */
export const skippedBecause = (gap: string | undefined) => (gap ? ` (skipped: ${gap})` : "");
