import { StringDecoder } from "node:string_decoder";
import { isSpace } from "../../flamegraph/charCodes.js";

/**
 * The start of a line cut by the end of a chunk, kept until its end arrives: its bytes, up to
 * maxBytes. A longer line is not kept whole: only its head (the first maxChars + 1 characters,
 * enough to show and classify it) and whether every character so far is whitespace, decoded as
 * it streams by a StringDecoder (so a character cut between chunks is decoded whole).
 */
export class LineCarry {
  private bytes: Buffer = Buffer.allocUnsafe(256);
  /** Bytes kept, while the line is not overlong. */
  length = 0;
  /** Set once the line is past maxBytes. */
  overlong: { head: string; blank: boolean; decoder: StringDecoder } | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly maxChars: number,
  ) {}

  get empty(): boolean {
    return this.length === 0 && this.overlong === undefined;
  }

  /** Appends chunk[start, end), a part of the line without its "\n". */
  append(chunk: Uint8Array, start: number, end: number): void {
    if (start === end) return;
    if (this.overlong) {
      this.continueOverlong(chunk.subarray(start, end));
      return;
    }
    const total = this.length + (end - start);
    if (total > this.maxBytes) {
      const decoder = new StringDecoder("utf8");
      const kept = decoder.write(this.bytes.subarray(0, this.length));
      this.overlong = { head: "", blank: true, decoder };
      this.length = 0;
      this.addOverlongText(kept);
      this.continueOverlong(chunk.subarray(start, end));
      return;
    }
    if (total > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(
        Math.min(this.maxBytes, Math.max(total, this.bytes.length * 2)),
      );
      this.bytes.copy(bigger, 0, 0, this.length);
      this.bytes = bigger;
    }
    this.bytes.set(chunk.subarray(start, end), this.length);
    this.length = total;
  }

  /** The line kept (valid until the next append), and forgets it. */
  take(): Buffer {
    const line = this.bytes.subarray(0, this.length);
    this.length = 0;
    return line;
  }

  /** The overlong line's head and blankness, and forgets it. */
  takeOverlong(): { head: string; blank: boolean } {
    const { decoder } = this.overlong!;
    this.addOverlongText(decoder.end());
    const { head, blank } = this.overlong!;
    this.overlong = undefined;
    return { head, blank };
  }

  private continueOverlong(bytes: Uint8Array): void {
    this.addOverlongText(this.overlong!.decoder.write(bytes));
  }

  private addOverlongText(text: string): void {
    const o = this.overlong!;
    if (o.head.length <= this.maxChars) o.head += text.slice(0, this.maxChars + 1 - o.head.length);
    if (o.blank) {
      for (let i = 0; i < text.length; i++) {
        if (!isSpace(text.charCodeAt(i))) {
          o.blank = false;
          break;
        }
      }
    }
  }
}
