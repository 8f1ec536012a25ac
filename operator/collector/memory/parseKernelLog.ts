/** One kernel log message, from /dev/kmsg records or `dmesg` output. */
export interface KernelLogLine {
  seq?: number;
  usecSinceBoot?: number;
  text: string;
}

/**
 * Accepts /dev/kmsg records ("prio,seq,usec,flags;message", with " KEY=value" continuation
 * lines, which are dropped), `dmesg` lines ("[  313.897617] message") and bare messages.
 */
export function parseKernelLog(text: string): KernelLogLine[] {
  const out: KernelLogLine[] = [];
  for (const raw of text.split("\n")) {
    if (raw.length === 0 || raw.startsWith(" ")) continue;
    const kmsg = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/.exec(raw);
    if (kmsg) {
      out.push({
        seq: Number(kmsg[2]),
        usecSinceBoot: Number(kmsg[3]),
        text: unescapeKmsg(kmsg[4]!),
      });
      continue;
    }
    const dmesg = /^\[\s*(\d+)\.(\d{6})\]\s?(.*)$/.exec(raw);
    if (dmesg) {
      out.push({
        usecSinceBoot: Number(dmesg[1]) * 1_000_000 + Number(dmesg[2]),
        text: dmesg[3]!,
      });
      continue;
    }
    out.push({ text: raw });
  }
  return out;
}

/** /dev/kmsg escapes non-printable bytes as \xNN. */
function unescapeKmsg(s: string): string {
  return s.replace(/\\x([0-9a-f]{2})/g, (_, h: string) =>
    String.fromCharCode(Number.parseInt(h, 16)),
  );
}
