import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Turns on Node's on-disk compile cache (the V8 code of each module, kept by content hash) for
 * the modules this process imports from here on, so the next collector started with the same
 * directory skips parsing and compiling them. The directory: DIAGNOSE_COMPILE_CACHE, else
 * $TMPDIR/diagnose-collector-compile-cache (the Job's /tmp is an emptyDir; the root filesystem
 * may be read-only). NODE_COMPILE_CACHE (Node's own, on from the first module) or
 * DIAGNOSE_COMPILE_CACHE=off leave it alone. A directory that cannot be made or written leaves
 * the cache off: never an error, never a wait.
 */
export function enableCompileCacheIn(env: NodeJS.ProcessEnv): void {
  if (env.NODE_COMPILE_CACHE || env.DIAGNOSE_COMPILE_CACHE === "off") return;
  const dir = env.DIAGNOSE_COMPILE_CACHE || join(tmpdir(), "diagnose-collector-compile-cache");
  try {
    // Made here, one level under a writable directory: Node's own recursive mkdir loops for
    // ever on some paths that cannot be made (under /proc).
    if (!isDirectory(dir)) {
      accessSync(dirname(dir), constants.W_OK);
      mkdirSync(dir);
    }
    accessSync(dir, constants.W_OK);
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
