import { grown } from "../../flamegraph/frameTrie.js";

/**
 * Byte ranges of the input seen before, each with what it was found to be: `perf script`
 * prints the same few thousand frame lines millions of times (and the same call chains, a
 * sample's frame lines together, thousands of times), and what such a range is depends on its
 * bytes alone, so a range byte for byte the same as one seen before needs no reading at all.
 *
 * A range is found by a hash of its first KEY_BYTES bytes (for a frame line, where perf prints
 * the address, padded to 16 hex digits), and of its length when `byLength`; without, findLine
 * finds a range that ends a line (a frame line), or a run of lines followed by an empty one (a
 * call chain), without its end being looked for first. Then the whole range is compared with
 * the kept copy four bytes at a time (sameAsKept). Ranges shorter than KEY_BYTES are not kept.
 */
export interface ByteRangeCacheLimits {
  /** Bound what is kept: add() keeps nothing past them. */
  maxEntries: number;
  maxBytes: number;
  /**
   * Slots a look-up tries: ranges made to share their first bytes (hostile input) cannot make
   * every look-up walk them all; past it a range is not found, and not kept.
   */
  maxProbes: number;
  /** The hash takes in the length: find() only, no findLine(). */
  byLength: boolean;
}

export class ByteRangeCache<T> {
  // Per entry: where its bytes are in `kept`, and how many.
  private at: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private length: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private readonly values: T[] = [];
  /** The ranges kept, each at a multiple of 4, and the same memory as 32-bit words. */
  private kept = new Uint8Array(64 * 1024);
  private keptWords = wordsOf(this.kept);
  private keptBytes = 0;
  /** Open addressing on the key's hash -> entry + 1; 0 is an empty slot. */
  private slots = new Int32Array(4096);
  // The memory of the buffer last looked in, as bytes and as words, from its start (offsets in
  // it are absolute: bytes.byteOffset + index). A chunk holds thousands of lines.
  private lookedIn: Buffer | undefined;
  private memory: Uint8Array = this.kept;
  private words: Int32Array = this.keptWords;

  constructor(private readonly limits: ByteRangeCacheLimits) {}

  /** The entry of bytes[start, end), or -1. */
  find(bytes: Buffer, start: number, end: number): number {
    const length = end - start;
    if (length < KEY_BYTES) return -1;
    this.lookIn(bytes);
    const at = bytes.byteOffset + start;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = this.hash(this.memory, at, length) & mask;
    for (let probe = 0; probe < this.limits.maxProbes; probe++, slot = (slot + 1) & mask) {
      const e = slots[slot]! - 1;
      if (e < 0) return -1;
      if (this.length[e] === length && this.sameAsKept(at, e, length)) return e;
    }
    return -1;
  }

  /**
   * The entry of the range that starts at bytes[start] and is followed by a "\n" before limit,
   * or -1: the range's end need not be looked for first. Not when byLength.
   */
  findLine(bytes: Buffer, start: number, limit: number): number {
    if (start + KEY_BYTES > limit) return -1;
    this.lookIn(bytes);
    const at = bytes.byteOffset + start;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = keyHash(this.memory, at) & mask;
    for (let probe = 0; probe < this.limits.maxProbes; probe++, slot = (slot + 1) & mask) {
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

  /** How many bytes the entry has. */
  lengthOf(entry: number): number {
    return this.length[entry]!;
  }

  value(entry: number): T {
    return this.values[entry]!;
  }

  setValue(entry: number, value: T): void {
    this.values[entry] = value;
  }

  /** Keeps bytes[start, end) as value; false when it is not kept (full, or short). */
  add(bytes: Buffer, start: number, end: number, value: T): boolean {
    const e = this.values.length;
    const length = end - start;
    const { maxEntries, maxBytes } = this.limits;
    if (length < KEY_BYTES || e >= maxEntries || this.keptBytes + length > maxBytes) return false;
    this.lookIn(bytes);
    const hash = this.hash(this.memory, bytes.byteOffset + start, length);
    if (this.freeSlot(hash) < 0) return false;
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

  private hash(memory: Uint8Array, at: number, length: number): number {
    const h = keyHash(memory, at);
    return this.limits.byLength ? (Math.imul(h ^ length, 0x9e3779b1) ^ (h >>> 16)) >>> 0 : h;
  }

  /** The first empty slot of the probe sequence from hash, within maxProbes; -1 if none. */
  private freeSlot(hash: number): number {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let probe = 0; probe < this.limits.maxProbes; probe++, slot = (slot + 1) & mask)
      if (this.slots[slot] === 0) return slot;
    return -1;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hash(this.kept, this.at[e]!, this.length[e]!) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = e + 1;
  }

  private lookIn(bytes: Buffer): void {
    if (bytes === this.lookedIn) return;
    this.lookedIn = bytes;
    this.memory = new Uint8Array(bytes.buffer);
    this.words = wordsOf(this.memory);
  }

  /**
   * Whether the n bytes at memory[at] are entry e's. Compared 32 bits at a time: the kept copy
   * starts at a multiple of 4; a range that does not is read as words too, each put together
   * from two (little-endian: the upper bytes of one, the lower of the next).
   */
  private sameAsKept(at: number, e: number, n: number): boolean {
    const memory = this.memory;
    const words = this.words;
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
        // Word w + 1 must lie inside the range: it holds bytes up to at + i + 7.
        let lower = words[w]! >>> shift;
        for (; i + 8 <= n; i += 4) {
          const next = words[++w]!;
          if ((lower | (next << (32 - shift))) !== keptWords[k++]) return false;
          lower = next >>> shift;
        }
      }
    }
    for (; i < n; i++) if (memory[at + i] !== kept[keptAt + i]) return false;
    return true;
  }
}

const NEWLINE = 10;
/** "\t" and a 16-digit address, or the spaces perf pads a shorter one with, and a space. */
const KEY_BYTES = 16;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The whole 32-bit words of bytes' memory, from its start. */
function wordsOf(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >> 2);
}

/**
 * A hash of the KEY_BYTES bytes at memory[at]: of the second half only (a frame line's lower
 * address digits, which tell lines apart), two words put together from bytes independently, so
 * that the multiplications do not wait on each other byte after byte.
 */
function keyHash(memory: Uint8Array, at: number): number {
  const p = at + KEY_BYTES / 2;
  const a = memory[p]! | (memory[p + 1]! << 8) | (memory[p + 2]! << 16) | (memory[p + 3]! << 24);
  const b =
    memory[p + 4]! | (memory[p + 5]! << 8) | (memory[p + 6]! << 16) | (memory[p + 7]! << 24);
  const h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (a >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}
