import { grown } from "../../flamegraph/frameTrie.js";

/**
 * What whole frame lines ("\t    7f1e2215d058 symbol+0x1f (dso)") were found to be, by their
 * bytes: `perf script` prints the same few thousand frame lines millions of times, so each
 * distinct one is read, decoded and named once. What a frame line is depends on its bytes
 * alone, so a line byte for byte the same as one seen before needs no reading at all.
 *
 * An entry is found by a hash of its first KEY_BYTES bytes (where perf prints the address,
 * padded to 16 hex digits), without looking for the line's end; then the whole line is compared
 * with the kept copy four bytes at a time (sameAsKept). Lines shorter than KEY_BYTES are not
 * kept (perf prints none).
 */
export class FrameLineCache<T> {
  // Per entry: where its line is in `kept`, and its length.
  private at: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private length: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private readonly values: T[] = [];
  /** The lines kept, each at a multiple of 4, and the same memory as 32-bit words. */
  private kept = new Uint8Array(64 * 1024);
  private keptWords = wordsOf(this.kept);
  private keptBytes = 0;
  /** Open addressing on the key's hash -> entry + 1; 0 is an empty slot. */
  private slots = new Int32Array(4096);
  // The memory of the buffer last looked in, as bytes and as words, from its start (offsets in
  // it are absolute: bytes.byteOffset + index). A chunk holds thousands of lines.
  private lineBytes: Buffer | undefined;
  private lineMemory: Uint8Array = this.kept;
  private lineWords: Int32Array = this.keptWords;

  /** maxEntries and maxBytes bound what is kept: add() keeps nothing past them. */
  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** The entry of the line bytes[start, end) (without its "\n"), or -1. */
  find(bytes: Buffer, start: number, end: number): number {
    const length = end - start;
    if (length < KEY_BYTES) return -1;
    this.lookIn(bytes);
    const at = bytes.byteOffset + start;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = keyHash(this.lineMemory, at) & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & mask) {
      const e = slots[slot]! - 1;
      if (e < 0) return -1;
      if (this.length[e] === length && this.sameAsKept(at, e, length)) return e;
    }
    return -1;
  }

  /**
   * The entry of the line that starts at bytes[start] and ends ("\n" follows it) before limit,
   * or -1: the line's end need not be looked for first.
   */
  findLine(bytes: Buffer, start: number, limit: number): number {
    if (start + KEY_BYTES > limit) return -1;
    this.lookIn(bytes);
    const at = bytes.byteOffset + start;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = keyHash(this.lineMemory, at) & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & mask) {
      const e = slots[slot]! - 1;
      if (e < 0) return -1;
      const length = this.length[e]!;
      if (
        start + length < limit &&
        bytes[start + length] === NEWLINE &&
        this.sameAsKept(at, e, length)
      )
        return e;
    }
    return -1;
  }

  /** How many bytes the entry's line has, without its "\n". */
  lineLength(entry: number): number {
    return this.length[entry]!;
  }

  value(entry: number): T {
    return this.values[entry]!;
  }

  setValue(entry: number, value: T): void {
    this.values[entry] = value;
  }

  /** Keeps the line bytes[start, end) as value; false when it is not kept (full, or short). */
  add(bytes: Buffer, start: number, end: number, value: T): boolean {
    const e = this.values.length;
    const length = end - start;
    if (length < KEY_BYTES || e >= this.maxEntries || this.keptBytes + length > this.maxBytes)
      return false;
    this.lookIn(bytes);
    if (this.freeSlot(keyHash(this.lineMemory, bytes.byteOffset + start)) < 0) return false;
    if (e === this.at.length) {
      this.at = grown(this.at);
      this.length = grown(this.length);
    }
    const at = (this.keptBytes + 3) & ~3;
    if (at + length > this.kept.length) {
      const bigger = new Uint8Array(Math.max(this.kept.length * 2, at + length));
      bigger.set(this.kept.subarray(0, this.keptBytes));
      this.kept = bigger;
      this.keptWords = wordsOf(bigger);
    }
    this.kept.set(bytes.subarray(start, end), at);
    this.at[e] = at;
    this.length[e] = length;
    this.keptBytes = at + length;
    this.values.push(value);
    if ((e + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i <= e; i++) this.place(i);
    } else this.place(e);
    return true;
  }

  /** The first empty slot of the probe sequence from hash, within MAX_PROBES; -1 if none. */
  private freeSlot(hash: number): number {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & mask)
      if (this.slots[slot] === 0) return slot;
    return -1;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let slot = keyHash(this.kept, this.at[e]!) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = e + 1;
  }

  private lookIn(bytes: Buffer): void {
    if (bytes === this.lineBytes) return;
    this.lineBytes = bytes;
    this.lineMemory = new Uint8Array(bytes.buffer);
    this.lineWords = wordsOf(this.lineMemory);
  }

  /**
   * Whether the n bytes at lineMemory[at] are entry e's line. Compared 32 bits at a time:
   * the kept copy starts at a multiple of 4; a line that does not is read as words too, each
   * put together from two (little-endian: the upper bytes of one, the lower of the next).
   */
  private sameAsKept(at: number, e: number, n: number): boolean {
    const line = this.lineMemory;
    const words = this.lineWords;
    const keptAt = this.at[e]!;
    const kept = this.kept;
    const keptWords = this.keptWords;
    let i = 0;
    if (LITTLE_ENDIAN) {
      let k = keptAt >> 2;
      let w = at >> 2;
      const shift = (at & 3) * 8;
      if (shift === 0) {
        for (; i + 4 <= n; i += 4) if (words[w++] !== keptWords[k++]) return false;
      } else {
        // Word w + 1 must lie inside the line: it holds bytes up to at + i + 7.
        let lower = words[w]! >>> shift;
        for (; i + 8 <= n; i += 4) {
          const next = words[++w]!;
          if ((lower | (next << (32 - shift))) !== keptWords[k++]) return false;
          lower = next >>> shift;
        }
      }
    }
    for (; i < n; i++) if (line[at + i] !== kept[keptAt + i]) return false;
    return true;
  }
}

const NEWLINE = 10;
/**
 * Slots a look-up tries: lines made to share their first bytes (hostile input) cannot make
 * every look-up walk them all; past it a line is read the long way, and not kept.
 */
const MAX_PROBES = 32;
/** "\t" and a 16-digit address, or the spaces perf pads a shorter one with, and a space. */
const KEY_BYTES = 16;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The whole 32-bit words of bytes' memory, from its start. */
function wordsOf(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >> 2);
}

/** A hash of the KEY_BYTES bytes at memory[at]. */
function keyHash(memory: Uint8Array, at: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < KEY_BYTES; i++) h = Math.imul(h ^ memory[at + i]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}
