import type { SampleHeader } from "./sampleHeader.js";

/**
 * Sample headers read before, by their bytes but the time stamp: perf prints the same "comm
 * pid/tid [cpu] time: period event:" for a thread's samples but for the time, which is not part
 * of a SampleHeader. A header whose bytes before and after its time stamp are those of one read
 * before, and whose time stamp is one too (digits, ".", digits, ":"), reads as that one: the
 * reader tells fields apart by what their characters are, and a time stamp's are a time stamp's
 * whatever its digits. So that header is not decoded nor read again, and is the same object.
 *
 * Found by a hash of the bytes before the first token that looks like a time stamp; kept:
 * headers of ASCII only, whose time stamp is that token.
 */
export class SampleHeaderCache {
  private readonly lines: Uint8Array[] = [];
  /** Per entry: where the time stamp is in its line. */
  private readonly timeStart: number[] = [];
  private readonly timeEnd: number[] = [];
  private readonly headers: SampleHeader[] = [];
  private keptBytes = 0;
  /** Open addressing on the key's hash -> entry + 1; 0 is an empty slot. */
  private slots = new Int32Array(1024);

  /** The header of bytes[start, end) when one like it was read before. */
  find(bytes: Buffer, start: number, end: number): SampleHeader | undefined {
    const time = timeLikeStart(bytes, start, end);
    if (time < 0) return undefined;
    const mask = this.slots.length - 1;
    let slot = keyHash(bytes, start, time) & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & mask) {
      const e = this.slots[slot]! - 1;
      if (e < 0) return undefined;
      if (this.matches(e, bytes, start, end)) return this.headers[e];
    }
    return undefined;
  }

  /** Keeps the header of the line bytes[start, end), its time stamp at [timeStart, timeEnd). */
  add(
    bytes: Buffer,
    start: number,
    end: number,
    timeStart: number,
    timeEnd: number,
    header: SampleHeader,
  ): void {
    if (this.headers.length >= MAX_ENTRIES || this.keptBytes + (end - start) > MAX_BYTES) return;
    if (timeLikeStart(bytes, start, end) !== timeStart) return;
    for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return;
    const mask = this.slots.length - 1;
    let slot = keyHash(bytes, start, timeStart) & mask;
    let probe = 0;
    while (this.slots[slot] !== 0 && probe++ < MAX_PROBES) slot = (slot + 1) & mask;
    if (this.slots[slot] !== 0) return;
    const e = this.headers.length;
    this.lines.push(Uint8Array.prototype.slice.call(bytes, start, end));
    this.keptBytes += end - start;
    this.timeStart.push(timeStart - start);
    this.timeEnd.push(timeEnd - start);
    this.headers.push(header);
    this.slots[slot] = e + 1;
    if (this.headers.length * 2 > this.slots.length) this.rehash();
  }

  /** Whether bytes[start, end) is entry e's line but for the digits of its time stamp. */
  private matches(e: number, bytes: Buffer, start: number, end: number): boolean {
    const line = this.lines[e]!;
    const before = this.timeStart[e]!;
    const after = line.length - this.timeEnd[e]!;
    const timeEnd = end - after;
    if (timeEnd - (start + before) < 4) return false;
    for (let i = 0; i < before; i++) if (bytes[start + i] !== line[i]) return false;
    for (let i = 1; i <= after; i++) if (bytes[end - i] !== line[line.length - i]) return false;
    return isTimeStamp(bytes, start + before, timeEnd);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.headers.length; e++) {
      let slot = keyHash(this.lines[e]!, 0, this.timeStart[e]!) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = e + 1;
    }
  }
}

/** Distinct headers kept (threads x cpus x events) and their bytes, and slots a look-up tries. */
const MAX_ENTRIES = 1 << 16;
const MAX_BYTES = 4 * 1024 * 1024;
const MAX_PROBES = 16;
/** A hash of bytes[start, end): a header's comm, pid/tid and cpu. */
function keyHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Where the first token of bytes[start, end) that looks like a time stamp starts (digits, ".",
 * digits, ":", after a space or tab), -1 when none: in perf's headers, the time stamp.
 */
function timeLikeStart(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    if (bytes[i] !== DOT) continue;
    let s = i;
    while (s > start && isDigit(bytes[s - 1]!)) s--;
    if (s === i || s === start || (bytes[s - 1] !== SPACE && bytes[s - 1] !== TAB)) continue;
    let e = i + 1;
    while (e < end && isDigit(bytes[e]!)) e++;
    if (e > i + 1 && bytes[e] === COLON) return s;
  }
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** bytes[s, e) is /^\d{1,12}\.\d{1,9}:$/, as sampleHeader's isTime. */
function isTimeStamp(bytes: Uint8Array, s: number, e: number): boolean {
  if (bytes[e - 1] !== COLON) return false;
  let dot = s;
  while (dot < e && bytes[dot] !== DOT) dot++;
  return digits(bytes, s, dot, 12) && digits(bytes, dot + 1, e - 1, 9);
}

function digits(bytes: Uint8Array, s: number, e: number, max: number): boolean {
  if (e <= s || e - s > max) return false;
  for (let i = s; i < e; i++) if (!isDigit(bytes[i]!)) return false;
  return true;
}

const COLON = 58;
const DOT = 46;
const SPACE = 32;
const TAB = 9;
