import { readlink } from "node:fs/promises";
import { readTextIfExists } from "../readTextFile.js";

const MAX_MAPS_BYTES = 8 * 1024 * 1024;

export interface ProcessIdentity {
  pid: number;
  exe?: string;
  cmdline: string[];
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** NUL-separated /proc/<pid>/cmdline or environ. */
export function splitNul(text: string): string[] {
  const parts = text.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

/**
 * Whether a process is a JVM: its executable is `java`, or (for launchers that embed the JVM,
 * such as jsvc or jpackage apps) libjvm.so is mapped.
 */
export async function identifyJvm(
  procRoot: string,
  pid: number,
): Promise<ProcessIdentity | undefined> {
  const dir = `${procRoot}/${pid}`;
  const cmdlineText = await readTextIfExists(`${dir}/cmdline`);
  if (cmdlineText === undefined) return undefined;
  const cmdline = splitNul(cmdlineText);
  let exe: string | undefined;
  try {
    exe = (await readlink(`${dir}/exe`)).replace(/ \(deleted\)$/, "");
  } catch {
    exe = undefined;
  }
  const isJava =
    (exe && basename(exe) === "java") || (cmdline[0] && basename(cmdline[0]) === "java");
  if (!isJava) {
    // vm.max_map_count (65530) lines of ~100 bytes fit: the cap only stops a runaway read.
    const maps = await readTextIfExists(`${dir}/maps`, MAX_MAPS_BYTES);
    if (!maps?.includes("/libjvm.so")) return undefined;
  }
  return { pid, exe, cmdline };
}
