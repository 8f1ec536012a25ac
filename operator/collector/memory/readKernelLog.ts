import { closeSync, constants, openSync, readSync } from "node:fs";
import type { CommandRunner } from "../commandRunner.js";

const MAX_BYTES = 8 * 1024 * 1024;

export interface KernelLogText {
  source: "/dev/kmsg" | "dmesg";
  text: string;
}

/**
 * The kernel ring buffer: /dev/kmsg read non-blocking until EAGAIN (one record per read; EPIPE
 * means records were overwritten while reading, and reading goes on); `dmesg` when /dev/kmsg
 * cannot be opened. Throws with the reasons when neither works.
 */
export async function readKernelLog(
  kmsgPath: string,
  runner: CommandRunner,
): Promise<KernelLogText> {
  let kmsgError: string;
  try {
    return { source: "/dev/kmsg", text: readKmsgNonBlocking(kmsgPath) };
  } catch (e) {
    kmsgError = `${kmsgPath}: ${(e as Error).message}`;
  }
  try {
    const r = await runner.run("dmesg", [], { timeoutMs: 5000, maxOutputBytes: MAX_BYTES });
    if (r.exitCode !== 0) throw new Error(`dmesg exited ${r.exitCode}: ${r.stderr.trim()}`);
    return { source: "dmesg", text: r.stdout };
  } catch (e) {
    throw new Error(`${kmsgError}; ${(e as Error).message}`);
  }
}

function readKmsgNonBlocking(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(16 * 1024);
    const chunks: string[] = [];
    let total = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") break;
        if (code === "EPIPE") continue;
        throw e;
      }
      // A regular file (a recorded log in tests) ends with a 0-byte read.
      if (n === 0) break;
      chunks.push(buf.toString("utf8", 0, n));
      total += n;
      if (total > MAX_BYTES) break;
    }
    return chunks.join("");
  } finally {
    closeSync(fd);
  }
}
