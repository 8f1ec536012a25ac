/**
 * Parser for a HotSpot performance data file (hsperfdata_<user>/<pid>), the shared memory the JVM
 * publishes for jstat/jcmd. Reading it needs no attach and no cooperation from the JVM.
 *
 * Layout (format 2.0, as in HotSpot's perfMemory.hpp):
 *   prologue, 32 bytes:
 *     magic u4 (0xcafec0c0, always big-endian bytes), byte_order u1 (0 big, 1 little),
 *     major u1, minor u1, accessible u1, used i4, overflow i4, mod_time_stamp i8,
 *     entry_offset i4, num_entries i4
 *   entries from entry_offset, each:
 *     entry_length i4, name_offset i4, vector_length i4 (0 = scalar), data_type u1 (a JNI type
 *     char: 'J' long, 'B' byte), flags u1, data_units u1, data_variability u1, data_offset i4;
 *     the NUL-terminated name at entry+name_offset, the data at entry+data_offset.
 *
 * The file is the target's: hostile input. Every offset is checked against its entry and the
 * used region; an entry is at least its 20-byte header, so the walk ends within the file; the
 * entry count, names and strings are capped; only the counters the caller names are decoded (the
 * rest are skipped by name), and byte vectors other than strings are never materialized. Work
 * and memory are bounded by the file's size (which the reader caps).
 */

export const HSPERF_MAGIC = 0xcafec0c0;

export type PerfUnits = "none" | "bytes" | "ticks" | "events" | "string" | "hertz" | "unknown";
export type PerfVariability = "constant" | "monotonic" | "variable" | "unknown";

export interface PerfCounter {
  name: string;
  /** A long, a string (cut at MAX_STRING_BYTES), or undefined for other kinds (not decoded). */
  value: bigint | string | undefined;
  units: PerfUnits;
  variability: PerfVariability;
}

export interface Hsperfdata {
  byteOrder: "big" | "little";
  majorVersion: number;
  minorVersion: number;
  /** Whether the JVM finished initialising the region (0 while it is starting). */
  accessible: boolean;
  /** The counters the filter accepted. */
  counters: Map<string, PerfCounter>;
  /** Entries walked, decoded or not. */
  entriesSeen: number;
}

export class HsperfdataFormatError extends Error {
  override name = "HsperfdataFormatError";
}

/** HotSpot publishes ~200 counters; a file claiming far more is not one we read. */
export const MAX_ENTRIES = 4096;
const MAX_NAME_BYTES = 256;
/** java.rt.vmArgs and sun.rt.javaCommand can be long; the summary keeps this much. */
export const MAX_STRING_BYTES = 4096;
const ENTRY_HEADER_BYTES = 20;

/** Which counters to decode; the default decodes all (tests and tools on recorded files). */
export type CounterFilter = (name: string) => boolean;

const UNITS: PerfUnits[] = ["unknown", "none", "bytes", "ticks", "events", "string", "hertz"];
const VARIABILITY: PerfVariability[] = ["unknown", "constant", "monotonic", "variable"];

const utf8 = new TextDecoder("utf-8");

export function parseHsperfdata(buf: Uint8Array, wanted: CounterFilter = () => true): Hsperfdata {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 32)
    throw new HsperfdataFormatError("file shorter than the 32-byte prologue");
  const magic = view.getUint32(0, false);
  if (magic !== HSPERF_MAGIC) {
    throw new HsperfdataFormatError(`bad magic 0x${magic.toString(16)}, want 0xcafec0c0`);
  }
  const little = view.getUint8(4) === 1;
  const majorVersion = view.getUint8(5);
  const minorVersion = view.getUint8(6);
  if (majorVersion !== 2) {
    throw new HsperfdataFormatError(`unsupported format ${majorVersion}.${minorVersion}`);
  }
  const accessible = view.getUint8(7) !== 0;
  const used = Math.min(view.getInt32(8, little), buf.byteLength);
  const entryOffset = view.getInt32(24, little);
  const numEntries = view.getInt32(28, little);
  if (numEntries < 0 || numEntries > MAX_ENTRIES)
    throw new HsperfdataFormatError(`implausible entry count ${numEntries}`);
  if (entryOffset < 32 || entryOffset > used)
    throw new HsperfdataFormatError(`entry offset ${entryOffset} outside the used region`);
  const counters = new Map<string, PerfCounter>();
  let at = entryOffset;
  let i = 0;
  for (; i < numEntries; i++) {
    if (at + ENTRY_HEADER_BYTES > used)
      throw new HsperfdataFormatError(`entry ${i} runs past the used region`);
    const entryLength = view.getInt32(at, little);
    const nameOffset = view.getInt32(at + 4, little);
    const vectorLength = view.getInt32(at + 8, little);
    const dataType = String.fromCharCode(view.getUint8(at + 12));
    const units = UNITS[view.getUint8(at + 14)] ?? "unknown";
    const variability = VARIABILITY[view.getUint8(at + 15)] ?? "unknown";
    const dataOffset = view.getInt32(at + 16, little);
    if (entryLength < ENTRY_HEADER_BYTES || entryLength > used - at) {
      throw new HsperfdataFormatError(`entry ${i} has bad length ${entryLength}`);
    }
    if (nameOffset < ENTRY_HEADER_BYTES || nameOffset >= entryLength)
      throw new HsperfdataFormatError(`entry ${i} has its name outside the entry`);
    const name = cString(
      buf,
      at + nameOffset,
      Math.min(at + entryLength, at + nameOffset + MAX_NAME_BYTES),
    );
    if (!wanted(name)) {
      at += entryLength;
      continue;
    }
    const dataAt = at + dataOffset;
    const dataBytes = vectorLength === 0 ? 8 : vectorLength;
    if (dataOffset < ENTRY_HEADER_BYTES || vectorLength < 0 || dataOffset + dataBytes > entryLength)
      throw new HsperfdataFormatError(`entry ${i} (${name}) has its data outside the entry`);
    let value: PerfCounter["value"];
    if (vectorLength === 0 && dataType === "J") {
      value = view.getBigInt64(dataAt, little);
    } else if (dataType === "B" && vectorLength > 0 && units === "string") {
      value = cString(buf, dataAt, dataAt + Math.min(vectorLength, MAX_STRING_BYTES));
    }
    // Other kinds (byte vectors that are not strings; types HotSpot does not produce) keep the
    // entry visible without a value.
    counters.set(name, { name, value, units, variability });
    at += entryLength;
  }
  return {
    byteOrder: little ? "little" : "big",
    majorVersion,
    minorVersion,
    accessible,
    counters,
    entriesSeen: i,
  };
}

function cString(buf: Uint8Array, from: number, limit: number): string {
  let end = from;
  while (end < limit && buf[end] !== 0) end++;
  return utf8.decode(buf.subarray(from, end));
}

/** A numeric counter as a JS number (heap sizes fit well within 2^53). */
export function counterNumber(data: Hsperfdata, name: string): number | undefined {
  const v = data.counters.get(name)?.value;
  return typeof v === "bigint" ? Number(v) : undefined;
}

export function counterString(data: Hsperfdata, name: string): string | undefined {
  const v = data.counters.get(name)?.value;
  return typeof v === "string" ? v : undefined;
}
