import { isSpace } from "../../flamegraph/charCodes.js";
import { detachedString } from "./detachedString.js";
import { LineCarry } from "./lineCarry.js";
import { readSampleHeader, type SampleHeader, type TimeToken } from "./sampleHeader.js";
import { SampleHeaderCache } from "./sampleHeaderCache.js";

/** What a PerfScriptReader reports, in input order. */
export interface PerfScriptSink {
  /** A sample header: the frames that follow are this sample's, until endSample. */
  sample(header: SampleHeader): void;
  /**
   * One frame line of the current sample, leaf first as perf prints them, as UTF-8 bytes: the
   * line is bytes[lineStart, end), its address (hex digits) bytes[addressStart, addressEnd),
   * the rest ("symbol+0x1f (dso)") bytes[restStart, end), read by frameRest(). Returns false
   * when the line is no frame after all (its rest holds a line terminator: frameRest() is
   * undefined).
   */
  frame(
    bytes: Buffer,
    lineStart: number,
    addressStart: number,
    addressEnd: number,
    restStart: number,
    end: number,
  ): boolean;
  /** The current sample has no more frames. */
  endSample(): void;
  /**
   * Optional, for speed: when the line at bytes[lineStart] is byte for byte a frame line the
   * sink was given before (frame() returned true), and its "\n" comes before limit: takes it
   * as frame() did and returns the index of that "\n". Otherwise -1, and the reader finds the
   * line's end and reads it. Spares most lines a search for their end and a scan of their bytes.
   */
  knownFrame?(bytes: Buffer, lineStart: number, limit: number): number;
  /**
   * Optional, for speed, at the first line after a sample header: when the lines from
   * bytes[start] up to an empty line before limit are byte for byte the frame lines of a sample
   * the sink was given before (each taken as a frame), takes them as it did then and returns the
   * index of the empty line's "\n" (the sample ends there). Otherwise -1.
   */
  knownSample?(bytes: Buffer, start: number, limit: number): number;
}

/** perf's default --max-stack is 127; a longer chain is hostile or broken input. */
export const MAX_FRAMES_PER_SAMPLE = 1024;
export const MAX_LINE_CHARS = 16 * 1024;
/** A UTF-16 unit takes at most 3 bytes of UTF-8: a line past this many bytes is past MAX_LINE_CHARS. */
const MAX_LINE_BYTES = 3 * MAX_LINE_CHARS;

/**
 * A frame line's rest (bytes[start, end), what follows the address and its whitespace) as text,
 * leading whitespace dropped; undefined when it holds a line terminator other than "\n" (a
 * regular expression's "." stops at those, so such a line was never a frame).
 */
export function frameRest(bytes: Buffer, start: number, end: number): string | undefined {
  const text = bytes.toString("utf8", start, end);
  let r = 0;
  while (r < text.length && isSpace(text.charCodeAt(r))) r++;
  if (hasTerminator(text, r, text.length)) return undefined;
  return r === 0 ? text : text.slice(r);
}

function hasTerminator(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === CR || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * Reads `perf script` output of a `perf record -g` file as it arrives (chunks of any size, split
 * anywhere), line by line on the bytes: sample headers, frame lines ("\t addr symbol+off
 * (dso)"), blank lines ending a sample, comments. Nothing is decoded to text but new sample
 * headers (SampleHeaderCache knows the others) and what the sink asks for; a sink that knows
 * lines or whole samples by their bytes (knownFrame, knownSample: FoldingSink) is asked first,
 * before the line's end is looked for. Memory is bounded by the longest line kept
 * (MAX_LINE_CHARS), whatever the input's size. Lines it cannot read are counted and the first is
 * kept to show.
 *
 * Whitespace is JavaScript's \s, as the regular expressions this reader replaced read it: the
 * byte scan knows ASCII whitespace only, so a line with a byte past ASCII where whitespace may
 * stand, or too long, is decoded and read as text (readTextLine), the rare slow path.
 */
export class PerfScriptReader {
  unrecognizedLines = 0;
  firstUnrecognizedLine: string | undefined;
  private readonly carry = new LineCarry(MAX_LINE_BYTES, MAX_LINE_CHARS);
  /** Headers read before, by their bytes but the time stamp: most are one of those. */
  private readonly headers = new SampleHeaderCache();
  private readonly time: TimeToken = { start: -1, end: -1 };
  private inSample = false;
  private frames = 0;

  constructor(private readonly sink: PerfScriptSink) {}

  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const n = bytes.length;
    let pos = 0;
    if (!this.carry.empty) {
      const nl = bytes.indexOf(NEWLINE);
      this.carry.append(bytes, 0, nl < 0 ? n : nl);
      if (nl < 0) return;
      this.endCarried();
      pos = nl + 1;
    }
    const knownSamples = this.sink.knownSample !== undefined;
    const known = this.sink.knownFrame !== undefined;
    for (;;) {
      if (knownSamples && this.inSample && this.frames === 0) {
        const empty = this.sink.knownSample!(bytes, pos, n);
        if (empty >= 0) {
          this.closeSample();
          pos = empty + 1;
          continue;
        }
      }
      if (known && this.inSample && this.frames < MAX_FRAMES_PER_SAMPLE) {
        // A line past MAX_LINE_CHARS is no frame: its "\n" must come before this limit.
        const end = this.sink.knownFrame!(bytes, pos, Math.min(n, pos + MAX_LINE_CHARS + 1));
        if (end >= 0) {
          this.frames++;
          pos = end + 1;
          continue;
        }
      }
      const nl = bytes.indexOf(NEWLINE, pos);
      if (nl < 0) break;
      this.readLine(bytes, pos, nl);
      pos = nl + 1;
    }
    if (pos < n) this.carry.append(bytes, pos, n);
  }

  end(): void {
    if (!this.carry.empty) this.endCarried();
    this.closeSample();
  }

  /** The line the carry holds has ended. */
  private endCarried(): void {
    if (this.carry.overlong) {
      const { head, blank } = this.carry.takeOverlong();
      if (blank) this.closeSample();
      else if (head.charCodeAt(0) !== HASH) this.unrecognized(head, 0, head.length);
      return;
    }
    const line = this.carry.take();
    this.readLine(line, 0, line.length);
  }

  /** One line, bytes[start, end) without its "\n". */
  private readLine(bytes: Buffer, start: number, end: number): void {
    if (start === end) {
      this.closeSample();
      return;
    }
    const first = bytes[start]!;
    if (first >= 0x80 || end - start > MAX_LINE_CHARS) {
      this.readTextLine(bytes.toString("utf8", start, end));
      return;
    }
    if (!isAsciiSpace(first)) {
      if (first === HASH) return;
      const known = this.headers.find(bytes, start, end);
      if (known) this.startSample(known);
      else this.readHeader(bytes.toString("utf8", start, end), bytes, start, end);
      return;
    }
    // "\t<hex address> <symbol>+0x<offset> (<dso>)", as /^\s+([0-9a-fA-F]{1,16})\s+(.*)$/.
    let p = start + 1;
    while (p < end && isAsciiSpace(bytes[p]!)) p++;
    if (p === end) {
      this.closeSample();
      return;
    }
    if (bytes[p]! >= 0x80) {
      this.readTextLine(bytes.toString("utf8", start, end));
      return;
    }
    if (!this.inSample) {
      this.unrecognizedBytes(bytes, start, end);
      return;
    }
    let h = p;
    while (h < end && h - p <= 16 && isHexDigit(bytes[h]!)) h++;
    if (h < end && bytes[h]! >= 0x80 && h !== p && h - p <= 16) {
      this.readTextLine(bytes.toString("utf8", start, end));
      return;
    }
    if (h === p || h - p > 16 || h === end || !isAsciiSpace(bytes[h]!)) {
      this.unrecognizedBytes(bytes, start, end);
      return;
    }
    let r = h + 1;
    while (r < end && isAsciiSpace(bytes[r]!)) r++;
    this.frameLine(bytes, start, p, h, r, end);
  }

  private frameLine(
    bytes: Buffer,
    lineStart: number,
    addressStart: number,
    addressEnd: number,
    restStart: number,
    end: number,
  ): void {
    let isFrame: boolean;
    if (this.frames < MAX_FRAMES_PER_SAMPLE) {
      isFrame = this.sink.frame(bytes, lineStart, addressStart, addressEnd, restStart, end);
      if (isFrame) this.frames++;
    } else isFrame = frameRest(bytes, restStart, end) !== undefined;
    if (!isFrame) this.unrecognizedBytes(bytes, lineStart, end);
  }

  /** A header line; when it was decoded from bytes[start, end), kept in `headers` by them. */
  private readHeader(line: string, bytes?: Buffer, start = 0, end = 0): void {
    const header = readSampleHeader(line, 0, line.length, this.time);
    if (!header) {
      this.closeSample();
      this.unrecognized(line, 0, line.length);
      return;
    }
    // Kept for lines of ASCII only (add checks): there its characters' offsets are its bytes'.
    if (bytes && this.time.start >= 0)
      this.headers.add(bytes, start, end, start + this.time.start, start + this.time.end, header);
    this.startSample(header);
  }

  private startSample(header: SampleHeader): void {
    this.closeSample();
    this.inSample = true;
    this.frames = 0;
    this.sink.sample(header);
  }

  /** One line as text: what readLine does, whitespace as \s has it, lengths in UTF-16 units. */
  private readTextLine(text: string): void {
    const end = text.length;
    const first = text.charCodeAt(0);
    if (!isSpace(first)) {
      if (first === HASH) return;
      if (end > MAX_LINE_CHARS) this.unrecognized(text, 0, end);
      else this.readHeader(text);
      return;
    }
    let p = 1;
    while (p < end && isSpace(text.charCodeAt(p))) p++;
    if (p === end) {
      this.closeSample();
      return;
    }
    if (end > MAX_LINE_CHARS || !this.inSample) {
      this.unrecognized(text, 0, end);
      return;
    }
    let h = p;
    while (h < end && h - p <= 16 && isHexDigit(text.charCodeAt(h))) h++;
    if (h === p || h - p > 16 || h === end || !isSpace(text.charCodeAt(h))) {
      this.unrecognized(text, 0, end);
      return;
    }
    let r = h + 1;
    while (r < end && isSpace(text.charCodeAt(r))) r++;
    if (hasTerminator(text, r, end)) {
      this.unrecognized(text, 0, end);
      return;
    }
    // The sink reads bytes: the line encoded again (what it makes of them is what it makes of
    // this text, which they decode to), the offsets of its parts counted in bytes.
    const bytes = Buffer.from(text, "utf8");
    const addressStart = Buffer.byteLength(text.slice(0, p));
    const restStart = addressStart + (h - p) + Buffer.byteLength(text.slice(h, r));
    this.frameLine(bytes, 0, addressStart, addressStart + (h - p), restStart, bytes.length);
  }

  private closeSample(): void {
    if (!this.inSample) return;
    this.inSample = false;
    this.sink.endSample();
  }

  private unrecognizedBytes(bytes: Buffer, start: number, end: number): void {
    this.unrecognizedLines++;
    // 200 characters take at most 800 bytes; decoded, then cut.
    if (this.firstUnrecognizedLine === undefined) {
      const text = bytes.toString("utf8", start, Math.min(end, start + 800));
      this.firstUnrecognizedLine = detachedString(text.slice(0, 200));
    }
  }

  private unrecognized(text: string, start: number, end: number): void {
    this.unrecognizedLines++;
    this.firstUnrecognizedLine ??= detachedString(text.slice(start, Math.min(start + 200, end)));
  }
}

const NEWLINE = 10;
const CR = 13;
const HASH = 35;

/** ASCII's share of JavaScript's \s: tab, line feed, vertical tab, form feed, CR, space. */
function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** One of 0-9, a-f, A-F. */
function isHexDigit(c: number): boolean {
  if (c >= 48 && c <= 57) return true;
  const lower = c | 32;
  return lower >= 97 && lower <= 102;
}
