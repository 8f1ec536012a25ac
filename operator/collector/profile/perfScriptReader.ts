import { isSpace } from "../../flamegraph/charCodes.js";
import { detachedString } from "./detachedString.js";
import { readSampleHeader, type SampleHeader } from "./sampleHeader.js";

/** What a PerfScriptReader reports, in input order. */
export interface PerfScriptSink {
  /** A sample header: the frames that follow are this sample's, until endSample. */
  sample(header: SampleHeader): void;
  /**
   * One frame line of the current sample, leaf first as perf prints them: the address is
   * text[addressStart, addressEnd), the rest ("symbol+0x1f (dso)") text[restStart, restEnd).
   * addressHigh and addressLow are the address's value, its upper and lower 32 bits.
   */
  frame(
    text: string,
    addressStart: number,
    addressEnd: number,
    restStart: number,
    restEnd: number,
    addressHigh: number,
    addressLow: number,
  ): void;
  /** The current sample has no more frames. */
  endSample(): void;
}

/** perf's default --max-stack is 127; a longer chain is hostile or broken input. */
export const MAX_FRAMES_PER_SAMPLE = 1024;
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * Reads `perf script` output of a `perf record -g` file as it arrives (chunks of any size, split
 * anywhere), line by line without splitting the text: sample headers, frame lines ("\t addr
 * symbol+off (dso)"), blank lines ending a sample, comments. Memory is bounded by the longest
 * line kept (MAX_LINE_CHARS), whatever the input's size. Lines it cannot read are counted and
 * the first is kept to show.
 */
export class PerfScriptReader {
  unrecognizedLines = 0;
  firstUnrecognizedLine: string | undefined;
  /** The bytes of a UTF-8 character cut by the end of the previous chunk. */
  private carry: Buffer | undefined;
  /** The start of a line whose end has not arrived yet. */
  private partial = "";
  /** A line past MAX_LINE_CHARS whose end has not arrived: its head, and whether all is blank. */
  private overlong: { head: string; blank: boolean } | undefined;
  private inSample = false;
  private frames = 0;

  constructor(private readonly sink: PerfScriptSink) {}

  write(chunk: Buffer | string): void {
    const text = typeof chunk === "string" ? chunk : this.decode(chunk);
    if (text.length > 0) this.read(text);
  }

  end(): void {
    if (this.carry) {
      const tail = this.carry.toString("utf8");
      this.carry = undefined;
      this.read(tail);
    }
    if (this.overlong) this.endOverlong();
    else if (this.partial !== "") {
      const line = this.partial;
      this.partial = "";
      this.lineOf(line, 0, line.length, hasTerminators(line));
    }
    this.closeSample();
  }

  /** UTF-8 as Buffer.toString decodes it, a character cut between two chunks carried over. */
  private decode(chunk: Buffer): string {
    let bytes = chunk;
    if (this.carry) {
      bytes = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    const cut = incompleteTail(bytes);
    if (cut > 0) {
      this.carry = Buffer.from(bytes.subarray(bytes.length - cut));
      return bytes.toString("utf8", 0, bytes.length - cut);
    }
    return bytes.toString("utf8");
  }

  private read(text: string): void {
    let pos = 0;
    if (this.overlong || this.partial !== "") {
      const nl = text.indexOf("\n");
      const lineEnd = nl < 0 ? text.length : nl;
      if (this.overlong) {
        if (this.overlong.blank && !allSpace(text, 0, lineEnd)) this.overlong.blank = false;
        if (nl < 0) return;
        this.endOverlong();
      } else {
        this.partial += text.slice(0, lineEnd);
        if (nl < 0) {
          if (this.partial.length > MAX_LINE_CHARS) this.startOverlong(this.partial);
          return;
        }
        const line = this.partial;
        this.partial = "";
        this.lineOf(line, 0, line.length, hasTerminators(line));
      }
      pos = nl + 1;
    }
    const terminators = hasTerminators(text);
    for (;;) {
      const nl = text.indexOf("\n", pos);
      if (nl < 0) break;
      this.lineOf(text, pos, nl, terminators);
      pos = nl + 1;
    }
    if (text.length - pos > MAX_LINE_CHARS) this.startOverlong(text.slice(pos));
    else if (pos < text.length) this.partial = text.slice(pos);
  }

  private startOverlong(line: string): void {
    this.partial = "";
    this.overlong = {
      head: line.slice(0, MAX_LINE_CHARS + 1),
      blank: allSpace(line, 0, line.length),
    };
  }

  private endOverlong(): void {
    const { head, blank } = this.overlong!;
    this.overlong = undefined;
    if (blank) this.closeSample();
    else if (head.charCodeAt(0) !== HASH) this.unrecognized(head, 0, head.length);
  }

  /** One line, text[start, end) without its "\n". */
  private lineOf(text: string, start: number, end: number, terminators: boolean): void {
    if (start === end) {
      this.closeSample();
      return;
    }
    const first = text.charCodeAt(start);
    if (!isSpace(first)) {
      if (first === HASH) return;
      if (end - start > MAX_LINE_CHARS) {
        this.unrecognized(text, start, end);
        return;
      }
      const header = readSampleHeader(text, start, end);
      this.closeSample();
      if (!header) {
        this.unrecognized(text, start, end);
        return;
      }
      this.inSample = true;
      this.frames = 0;
      this.sink.sample(header);
      return;
    }
    // "\t<hex address> <symbol>+0x<offset> (<dso>)", as /^\s+([0-9a-fA-F]{1,16})\s+(.*)$/.
    let p = start + 1;
    while (p < end && isSpace(text.charCodeAt(p))) p++;
    if (p === end) {
      this.closeSample();
      return;
    }
    if (end - start > MAX_LINE_CHARS || !this.inSample) {
      this.unrecognized(text, start, end);
      return;
    }
    let h = p;
    let high = 0;
    let low = 0;
    for (; h < end && h - p <= 16; h++) {
      const v = hexValue(text.charCodeAt(h));
      if (v < 0) break;
      high = (high << 4) | (low >>> 28);
      low = (low << 4) | v;
    }
    if (h === p || h - p > 16 || h === end || !isSpace(text.charCodeAt(h))) {
      this.unrecognized(text, start, end);
      return;
    }
    let r = h + 1;
    while (r < end && isSpace(text.charCodeAt(r))) r++;
    // A regular expression's "." stops at these, so such a line was never a frame.
    if (terminators && terminatorIn(text, r, end)) {
      this.unrecognized(text, start, end);
      return;
    }
    if (this.frames < MAX_FRAMES_PER_SAMPLE) {
      this.frames++;
      this.sink.frame(text, p, h, r, end, high, low);
    }
  }

  private closeSample(): void {
    if (!this.inSample) return;
    this.inSample = false;
    this.sink.endSample();
  }

  private unrecognized(text: string, start: number, end: number): void {
    this.unrecognizedLines++;
    this.firstUnrecognizedLine ??= detachedString(text.slice(start, Math.min(start + 200, end)));
  }
}

const HASH = 35;

/**
 * How many bytes at the end of buf start a UTF-8 character that continues in the next chunk
 * (0 when the last character is whole, or the bytes are no valid start: those decode as U+FFFD).
 */
function incompleteTail(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf5 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** The value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

function allSpace(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

function hasTerminators(text: string): boolean {
  return text.includes("\r") || text.includes("\u2028") || text.includes("\u2029");
}

function terminatorIn(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}
