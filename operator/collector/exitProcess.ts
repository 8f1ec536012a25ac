/**
 * Ends the collector now, with `code`, whatever its probes are still doing.
 *
 * process.exit() is not enough on its own: it first joins libuv's threadpool
 * (uv_library_shutdown), so a filesystem request stuck in the kernel (a read of a FUSE file, of
 * /proc/<pid>/cmdline of a process stuck in D state) would hold the process forever, after its
 * report. When a filesystem request is still pending, the process instead replaces itself
 * (execve) with a node that only exits with `code`: execve ends every other thread without
 * joining them, and the exit code survives. Child process groups are the caller's to kill first.
 */
export function exitProcess(code: number): never {
  const pendingFs = process.getActiveResourcesInfo().some((r) => r.startsWith("FSReq"));
  if (pendingFs) {
    process.execve?.(process.execPath, [process.execPath, "-e", `process.exit(${code | 0})`], {});
    // A node without execve: a signal is the only exit that skips the join.
    process.kill(process.pid, "SIGKILL");
  }
  process.exit(code);
}
