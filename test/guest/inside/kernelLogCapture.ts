import { closeSync, constants, openSync, readSync } from "node:fs";
import { mustRun } from "../../support/runCommand.js";

/** Every /dev/kmsg record still in the ring buffer, raw ("prio,seq,usec,flags;text" + dict lines). */
export function readKmsgRecords(): string[] {
  const fd = openSync("/dev/kmsg", constants.O_RDONLY | constants.O_NONBLOCK);
  const records: string[] = [];
  try {
    const buf = Buffer.alloc(16 * 1024);
    for (let i = 0; i < 200_000; i++) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        records.push(buf.toString("utf8", 0, n));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") break;
        if (code !== "EPIPE") throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return records;
}

/**
 * The kernel's report of the OOM kill of `victimPid`: from the last "invoked oom-killer" line
 * before its "Killed process <pid>" line through that line. `lines` are dmesg lines or kmsg
 * records; undefined when the report is not (or no longer) there.
 */
export function oomReportOf(lines: readonly string[], victimPid: number): string[] | undefined {
  const killed = lines.findLastIndex((l) => l.includes(`Killed process ${victimPid} (`));
  if (killed < 0) return undefined;
  let start = killed;
  while (start > 0 && !lines[start]!.includes("invoked oom-killer")) start--;
  return lines.slice(start, killed + 1);
}

/** `dmesg` as a person runs it (util-linux: "[   12.345678] text", continuation lines indented). */
export async function dmesgLines(): Promise<string[]> {
  return (await mustRun("dmesg", [])).split("\n");
}
