/** One kernel log message, from /dev/kmsg records or `dmesg` output. */
export interface KernelLogLine {
  seq?: number;
  usecSinceBoot?: number;
  text: string;
}

/** Longer lines are cut: a kernel record is at most 1 KiB (LOG_LINE_MAX), so this loses nothing real. */
const MAX_LINE_CHARS = 4096;

const KMSG = /^(\d{1,3}),(\d{1,20}),(\d{1,20}),[^;]{0,64};(.*)$/;
/** syslog / `journalctl -k` prefix: "May 19 18:14:43 host kernel: " or "2024-05-19T18:14:43+00:00 host kernel: ". */
const SYSLOG_PREFIX =
  /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,9})?|\d{4}-\d\d-\d\dT[\d:.+-]{8,32}Z?) \S{1,255} kernel: /;
const DMESG_TIME = /^\[\s*(\d{1,12})\.(\d{6})\]\s?/;
/** `dmesg -T`: "[Tue Mar 11 10:16:36 2025] ". */
const DMESG_HUMAN_TIME = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]\s?/;
/** A /dev/kmsg dictionary line following a record: " SUBSYSTEM=acpi", " DEVICE=+acpi:...". */
const KMSG_DICT = /^ [A-Z_]{1,32}=/;

/**
 * Accepts /dev/kmsg records ("prio,seq,usec,flags;message", with " KEY=value" dictionary lines,
 * which are dropped), `dmesg` lines ("[  313.897617] message", `dmesg -T`), syslog/journal lines
 * ("May 19 18:14:43 host kernel: ...") and bare messages.
 *
 * One kernel record may hold several lines: 5.x kernels print the OOM report's `memory.stat`
 * block as one record. /dev/kmsg escapes its newlines as `\x0a`; `dmesg` and journald print the
 * following lines indented under the first. Either way each line becomes its own KernelLogLine
 * carrying the record's sequence number and timestamp.
 */
export function parseKernelLog(text: string): KernelLogLine[] {
  const out: KernelLogLine[] = [];
  let last: KernelLogLine | undefined;
  let lastWasKmsg = false;
  const push = (line: KernelLogLine) => {
    out.push(line);
    last = line;
  };
  for (const raw0 of text.split("\n")) {
    const raw = raw0.length > MAX_LINE_CHARS ? raw0.slice(0, MAX_LINE_CHARS) : raw0.trimEnd();
    if (raw.length === 0) continue;
    if (/^\s/.test(raw)) {
      if (lastWasKmsg && KMSG_DICT.test(raw)) continue;
      // A continuation line of the previous multi-line record (dmesg, journald).
      if (last) push(withTextOf(last, raw.trim()));
      continue;
    }
    const kmsg = KMSG.exec(raw);
    if (kmsg) {
      lastWasKmsg = true;
      const record = { seq: Number(kmsg[2]), usecSinceBoot: Number(kmsg[3]) };
      for (const part of unescapeKmsg(kmsg[4]!).split("\n")) {
        if (part.length > 0) push({ ...record, text: part });
      }
      continue;
    }
    lastWasKmsg = false;
    let rest = raw;
    const syslog = SYSLOG_PREFIX.exec(rest);
    if (syslog) rest = rest.slice(syslog[0].length);
    const dmesg = DMESG_TIME.exec(rest);
    if (dmesg) {
      push({
        usecSinceBoot: Number(dmesg[1]) * 1_000_000 + Number(dmesg[2]),
        text: rest.slice(dmesg[0].length),
      });
      continue;
    }
    const human = DMESG_HUMAN_TIME.exec(rest);
    if (human) rest = rest.slice(human[0].length);
    push({ text: rest });
  }
  return out;
}

function withTextOf(line: KernelLogLine, text: string): KernelLogLine {
  const out: KernelLogLine = { text };
  if (line.seq !== undefined) out.seq = line.seq;
  if (line.usecSinceBoot !== undefined) out.usecSinceBoot = line.usecSinceBoot;
  return out;
}

/** /dev/kmsg escapes non-printable bytes as \xNN. */
function unescapeKmsg(s: string): string {
  return s.replace(/\\x([0-9a-f]{2})/g, (_, h: string) =>
    String.fromCharCode(Number.parseInt(h, 16)),
  );
}
