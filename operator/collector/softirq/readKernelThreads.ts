import { readdir } from "node:fs/promises";
import { readBoundedText } from "../readTextFile.js";
import { isKernelThread, type PidStat, parsePidStat } from "./parsePidStat.js";

/** /proc/<pid>/stat of every kernel thread under procRoot, read in parallel. */
export async function readKernelThreads(procRoot: string): Promise<PidStat[]> {
  const pids = (await readdir(procRoot)).filter((d) => /^\d+$/.test(d));
  const stats = await Promise.all(
    pids.map((pid) =>
      readBoundedText(`${procRoot}/${pid}/stat`, 64 * 1024)
        .then(parsePidStat)
        // Processes exit while we scan.
        .catch(() => undefined),
    ),
  );
  return stats.filter((s): s is PidStat => s !== undefined && isKernelThread(s));
}
