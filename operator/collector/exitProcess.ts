/**
 * Ends the collector with `code`, whatever its probes are still doing.
 *
 * process.exit() is not enough on its own: it first joins libuv's threadpool
 * (uv_library_shutdown), so a filesystem request stuck in the kernel (a read of a FUSE file, of
 * /proc/<pid>/cmdline of a process stuck in D state) would hold the process forever, after its
 * report. When a filesystem request is still pending, the process instead replaces itself
 * (execve) with a node that only exits with `code`: execve ends every other thread without
 * joining them, and the exit code survives. Child process groups are the caller's to kill first.
 *
 * A request that has just completed is still listed as active until the event loop turns once
 * more (an awaited fs.promises call resolves before its request is cleaned up), so a pending one
 * is looked at again for up to `settleMs` before that: otherwise nearly every run, whose last
 * probe read a file, started a second node just to exit (~60 ms of each check's wall time).
 */
export function exitProcess(code: number, settleMs = 100): void {
  if (!fsRequestPending()) process.exit(code);
  const giveUpAt = Date.now() + settleMs;
  const again = (): void => {
    if (!fsRequestPending()) process.exit(code);
    if (Date.now() < giveUpAt) {
      setTimeout(again, 5);
      return;
    }
    process.execve?.(process.execPath, [process.execPath, "-e", `process.exit(${code | 0})`], {});
    // A node without execve: a signal is the only exit that skips the join.
    process.kill(process.pid, "SIGKILL");
  };
  setImmediate(again);
}

function fsRequestPending(): boolean {
  return process.getActiveResourcesInfo().some((r) => r.startsWith("FSReq"));
}
