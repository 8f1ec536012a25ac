import { existsSync } from "node:fs";
import { readFile, rmdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

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
