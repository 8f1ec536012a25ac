import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { dirname } from "node:path";

/**
 * Turns on Node's on-disk compile cache (the V8 code of each module, kept by content hash) in
 * DIAGNOSE_COMPILE_CACHE, for the modules this process imports from here on: a collector started
 * again with the same directory skips parsing and compiling them (6-8 ms of CPU for --version,
 * test/bench). Off unless asked for: a Job's /tmp is a new emptyDir every run, and filling a cold
 * cache at exit cost more than it saved. An image or a node can point it at a directory that
 * lasts (read-only works once filled). A directory that cannot be made or written leaves the
 * cache off: never an error, never a wait.
 */
export function enableCompileCacheIn(env: NodeJS.ProcessEnv): void {
  const dir = env.DIAGNOSE_COMPILE_CACHE;
  if (!dir || env.NODE_COMPILE_CACHE) return;
  try {
    // Made here, one level under a writable directory: Node's own recursive mkdir (and so
    // enableCompileCache) spins for ever on some paths that cannot be made (under /proc).
    if (!isDirectory(dir)) {
      accessSync(dirname(dir), constants.W_OK);
      mkdirSync(dir);
    }
    enableCompileCache(dir);
  } catch {
    // No usable directory (or a Node without the API): start without.
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
