import { readFile } from "node:fs/promises";

/** The file's text, or undefined when it does not exist or is not readable (gone, EACCES). */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH" || code === "EACCES" || code === "ENOTDIR") {
      return undefined;
    }
    throw e;
  }
}

/** Reads the named files of one directory; missing ones are left out. */
export async function readFilesIn(
  dir: string,
  names: readonly string[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    names.map(async (n) => {
      const text = await readTextIfExists(`${dir}/${n}`);
      if (text !== undefined) out[n] = text;
    }),
  );
  return out;
}
