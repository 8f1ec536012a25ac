import { boundedText, NotRegularFileError, readBounded } from "./boundedRead.js";

/**
 * What one kernel file (/proc/<pid>/{cmdline,environ,status,cgroup}, cgroup files, /proc/net/...)
 * may hold before the rest is dropped. A target chooses its own command line and environment
 * (megabytes, with a large stack limit), so these are capped like everything it controls.
 */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * The file's text (at most maxBytes, cut at a record boundary), or undefined when it does not
 * exist, is not readable (gone, EACCES) or is not a regular file.
 */
export async function readTextIfExists(
  path: string,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<string | undefined> {
  try {
    return boundedText(await readBounded(path, maxBytes));
  } catch (e) {
    if (e instanceof NotRegularFileError) return undefined;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH" || code === "EACCES" || code === "ENOTDIR") {
      return undefined;
    }
    throw e;
  }
}

/** The file's text, at most maxBytes (cut at a record boundary); throws when it cannot be read. */
export async function readBoundedText(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string> {
  return boundedText(await readBounded(path, maxBytes));
}

/** Reads the named files of one directory; missing ones are left out. */
export async function readFilesIn(
  dir: string,
  names: readonly string[],
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    names.map(async (n) => {
      const text = await readTextIfExists(`${dir}/${n}`, maxBytes);
      if (text !== undefined) out[n] = text;
    }),
  );
  return out;
}
