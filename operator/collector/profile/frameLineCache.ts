import { grown } from "../../flamegraph/frameTrie.js";

/**
 * What a frame line's rest ("symbol+0x1f (dso)") was found to be, by the rest's bytes: `perf
 * script` prints the same few thousand frame lines millions of times, so each distinct one is
 * decoded and named once. An entry is found by the address's value (a hash of two numbers),
 * then the rest's bytes are compared with the kept copy four at a time through DataViews: no
 * string is made for a line seen before.
 */
export class FrameLineCache<T> {
  private high: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private low: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Where each entry's rest is in `kept`, and its length. */
  private at: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private length: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private readonly values: T[] = [];
  private kept = Buffer.allocUnsafe(64 * 1024);
  private keptView = viewOf(this.kept);
  private keptBytes = 0;
  private slots = new Int32Array(4096);
  // The DataView of the buffer last looked in: a chunk holds thousands of lines.
  private lineBytes: Buffer | undefined;
  private lineView = this.keptView;

  /** maxEntries and maxBytes bound what is kept: add() keeps nothing past them. */
  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** The entry of rest bytes[start, end) after the address high:low, or -1. */
  find(bytes: Buffer, start: number, end: number, high: number, low: number): number {
    this.lookIn(bytes);
    const length = end - start;
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let slot = addressHash(high, low) & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot]! - 1;
      if (e < 0) return -1;
      if (
        this.low[e] === low &&
        this.high[e] === high &&
        this.length[e] === length &&
        sameBytes(this.lineView, start, this.keptView, this.at[e]!, length)
      )
        return e;
    }
  }

  /**
   * The entry of the rest that starts at bytes[start] after the address high:low and ends the
   * line ("\n" follows it before limit), or -1: the line's end need not be looked for first.
   */
  findLine(bytes: Buffer, start: number, limit: number, high: number, low: number): number {
    this.lookIn(bytes);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let slot = addressHash(high, low) & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot]! - 1;
      if (e < 0) return -1;
      const length = this.length[e]!;
      if (
        this.low[e] === low &&
        this.high[e] === high &&
        start + length < limit &&
        bytes[start + length] === NEWLINE &&
        sameBytes(this.lineView, start, this.keptView, this.at[e]!, length)
      )
        return e;
    }
  }

  /** How many bytes the entry's rest has. */
  restLength(entry: number): number {
    return this.length[entry]!;
  }

  private lookIn(bytes: Buffer): void {
    if (bytes !== this.lineBytes) {
      this.lineBytes = bytes;
      this.lineView = viewOf(bytes);
    }
  }

  value(entry: number): T {
    return this.values[entry]!;
  }

  setValue(entry: number, value: T): void {
    this.values[entry] = value;
  }

  /** Keeps rest bytes[start, end) after the address high:low as value; false when full. */
  add(bytes: Buffer, start: number, end: number, high: number, low: number, value: T): boolean {
    const e = this.values.length;
    const length = end - start;
    if (e >= this.maxEntries || this.keptBytes + length > this.maxBytes) return false;
    if (e === this.high.length) {
      this.high = grown(this.high);
      this.low = grown(this.low);
      this.at = grown(this.at);
      this.length = grown(this.length);
    }
    if (this.keptBytes + length > this.kept.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.kept.length * 2, this.keptBytes + length));
      this.kept.copy(bigger, 0, 0, this.keptBytes);
      this.kept = bigger;
      this.keptView = viewOf(bigger);
    }
    bytes.copy(this.kept, this.keptBytes, start, end);
    this.high[e] = high;
    this.low[e] = low;
    this.at[e] = this.keptBytes;
    this.length[e] = length;
    this.keptBytes += length;
    this.values.push(value);
    if ((e + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i <= e; i++) this.place(i);
    } else this.place(e);
    return true;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let slot = addressHash(this.high[e]!, this.low[e]!) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = e + 1;
  }
}

function viewOf(bytes: Buffer): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether a[aStart..) and b[bStart..) hold the same length bytes: 32 bits at a time. */
function sameBytes(a: DataView, aStart: number, b: DataView, bStart: number, length: number) {
  let i = 0;
  for (; i + 4 <= length; i += 4)
    if (a.getInt32(aStart + i, true) !== b.getInt32(bStart + i, true)) return false;
  for (; i < length; i++) if (a.getUint8(aStart + i) !== b.getUint8(bStart + i)) return false;
  return true;
}

const NEWLINE = 10;

/** Entries hash by the address alone, so that findLine needs no length. */
function addressHash(high: number, low: number): number {
  const h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}
