import { StringDecoder } from "node:string_decoder";
import { isDigit, isSpace } from "./charCodes.js";

/**
 * Reads collapsed stacks text ("frame;frame;leaf count" per line) a chunk at a time, handing
 * each stack and count on as it is read; the same lines as parseCollapsed (report/collapsedText)
 * reads from a whole text: the count is the last whitespace-separated field, lines that do not
 * end in one, or whose count is not above 0, are skipped.
 */
export class CollapsedTextReader {
  /** Stacks handed on. */
  stacks = 0;
  /** Lines skipped for their length. */
  overlongLines = 0;
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  /** Within a line past MAX_LINE_CHARS: the rest of it is dropped. */
  private skipping = false;
  /** Whether the text being read holds \r, U+2028 or U+2029, which no stack may hold. */
  private terminators = false;

  constructor(private readonly onStack: (stack: string, count: number) => void) {}

  write(chunk: Buffer | string): void {
    let text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    let pos = 0;
    if (this.skipping) {
      const nl = text.indexOf("\n");
      if (nl < 0) return;
      this.skipping = false;
      pos = nl + 1;
    } else if (this.partial !== "") {
      text = this.partial + text;
      this.partial = "";
    }
    this.terminators = /[\r\u2028\u2029]/.test(text);
    for (;;) {
      const nl = text.indexOf("\n", pos);
      if (nl < 0) break;
      this.line(text, pos, nl);
      pos = nl + 1;
    }
    if (text.length - pos > MAX_LINE_CHARS) {
      this.overlongLines++;
      this.skipping = true;
    } else this.partial = text.slice(pos);
  }

  end(): void {
    const text = this.skipping ? "" : this.partial + this.decoder.end();
    this.partial = "";
    this.skipping = false;
    this.terminators = /[\r\u2028\u2029]/.test(text);
    if (text !== "") this.line(text, 0, text.length);
  }

  /** text[start, end) as /^(.*\S)\s+(\d+(?:\.\d+)?)\s*$/, read from its end. */
  private line(text: string, start: number, end: number): void {
    let j = end;
    while (j > start && isSpace(text.charCodeAt(j - 1))) j--;
    let k = j;
    while (k > start && isDigit(text.charCodeAt(k - 1))) k--;
    if (k === j) return;
    if (k > start && text.charCodeAt(k - 1) === DOT) {
      let m = k - 1;
      while (m > start && isDigit(text.charCodeAt(m - 1))) m--;
      if (m === k - 1) return;
      k = m;
    }
    if (k === start || !isSpace(text.charCodeAt(k - 1))) return;
    let stackEnd = k - 1;
    while (stackEnd > start && isSpace(text.charCodeAt(stackEnd - 1))) stackEnd--;
    if (stackEnd === start) return;
    // A regular expression's "." stops at these: such a line never parsed.
    if (this.terminators)
      for (let i = start; i < stackEnd; i++) {
        const c = text.charCodeAt(i);
        if (c === 13 || c === 0x2028 || c === 0x2029) return;
      }
    const count = Number(text.slice(k, j));
    if (!(count > 0)) return;
    this.stacks++;
    this.onStack(text.slice(start, stackEnd), count);
  }
}

/**
 * A stack of perf's deepest (1,024 frames of long C++ names) is some 200 Ki characters; a line
 * far past that is no stack, and holding it whole would let one line take the memory.
 */
const MAX_LINE_CHARS = 16 * 1024 * 1024;
const DOT = 46;
