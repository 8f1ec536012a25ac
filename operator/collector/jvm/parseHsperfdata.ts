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
 * The file belongs to the target, so every header field is hostile: only the named counters the
 * caller asks for are decoded, every name, string and entry stays inside its entry and the used
 * region, names and strings are capped, the entry walk is capped, and byte vectors that are not
 * strings are never materialized. The work and the memory are bounded by the file's size.
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
  /** Only the counters that were asked for (and present). */
  counters: Map<string, PerfCounter>;
  /** Entries walked, wanted or not. */
  entriesSeen: number;
}

/**
 * Which counters to decode: exact names, or patterns where `*` stands for one decimal index, as
 * in "sun.gc.generation.*.space.*.initCapacity". "all" decodes every entry (tests and tools; still
 * bounded).
 */
export type CounterNames = readonly string[] | "all";

export class HsperfdataFormatError extends Error {
  override name = "HsperfdataFormatError";
}

/** HotSpot's names are under 100 bytes; a longer one is not a counter anyone asks for. */
export const MAX_NAME_BYTES = 256;
/** java.rt.vmArgs and sun.rt.javaCommand can be long; the summary needs no more than this. */
export const MAX_STRING_BYTES = 16 * 1024;
/** A JDK 25 JVM publishes about 250 entries; a file claiming more than this is not one. */
export const MAX_ENTRIES = 16 * 1024;
const ENTRY_HEADER_BYTES = 20;

const UNITS: PerfUnits[] = ["unknown", "none", "bytes", "ticks", "events", "string", "hertz"];
const VARIABILITY: PerfVariability[] = ["unknown", "constant", "monotonic", "variable"];

const utf8 = new TextDecoder("utf-8");

/** A predicate for CounterNames: a set lookup for exact names, one regex for the patterns. */
function nameMatcher(wanted: CounterNames): (name: string) => boolean {
  if (wanted === "all") return () => true;
  const exact = new Set(wanted.filter((n) => !n.includes("*")));
  const patterns = wanted
    .filter((n) => n.includes("*"))
    .map((n) => n.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "\\d{1,4}"));
  const re = patterns.length > 0 ? new RegExp(`^(?:${patterns.join("|")})$`) : undefined;
  return (name) => exact.has(name) || (re?.test(name) ?? false);
}

/** The NUL-terminated string at [from, limit), at most `cap` bytes; undefined when none fits. */
function cString(buf: Uint8Array, from: number, limit: number, cap: number): string | undefined {
  if (from < 0 || from >= limit) return undefined;
  const end = Math.min(limit, from + cap);
  let nul = from;
  while (nul < end && buf[nul] !== 0) nul++;
  return utf8.decode(buf.subarray(from, nul));
}

export function parseHsperfdata(buf: Uint8Array, wanted: CounterNames): Hsperfdata {
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
  if (entryOffset < 32 || numEntries < 0 || numEntries > MAX_ENTRIES) {
    throw new HsperfdataFormatError(
      `bad header: entry offset ${entryOffset}, ${numEntries} entries (at most ${MAX_ENTRIES})`,
    );
  }
  const isWanted = nameMatcher(wanted);
  const counters = new Map<string, PerfCounter>();
  let at = entryOffset;
  let i = 0;
  for (; i < numEntries; i++) {
    if (at + ENTRY_HEADER_BYTES > used)
      throw new HsperfdataFormatError(`entry ${i} runs past the used region`);
    const entryLength = view.getInt32(at, little);
    // Each entry advances by at least its header, so the walk ends within used / 20 steps.
    if (entryLength < ENTRY_HEADER_BYTES || entryLength > used - at) {
      throw new HsperfdataFormatError(`entry ${i} has bad length ${entryLength}`);
    }
    const end = at + entryLength;
    const name = cString(buf, at + view.getInt32(at + 4, little), end, MAX_NAME_BYTES);
    if (name !== undefined && isWanted(name)) {
      const vectorLength = view.getInt32(at + 8, little);
      const dataType = String.fromCharCode(view.getUint8(at + 12));
      const units = UNITS[view.getUint8(at + 14)] ?? "unknown";
      const variability = VARIABILITY[view.getUint8(at + 15)] ?? "unknown";
      const dataAt = at + view.getInt32(at + 16, little);
      let value: PerfCounter["value"];
      if (vectorLength === 0 && dataType === "J" && dataAt >= at && dataAt + 8 <= end) {
        value = view.getBigInt64(dataAt, little);
      } else if (dataType === "B" && vectorLength > 0 && units === "string" && dataAt >= at) {
        value = cString(buf, dataAt, Math.min(end, dataAt + vectorLength), MAX_STRING_BYTES);
      }
      counters.set(name, { name, value, units, variability });
    }
    at = end;
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

/** A numeric counter as a JS number (heap sizes fit well within 2^53). */
export function counterNumber(data: Hsperfdata, name: string): number | undefined {
  const v = data.counters.get(name)?.value;
  return typeof v === "bigint" ? Number(v) : undefined;
}

export function counterString(data: Hsperfdata, name: string): string | undefined {
  const v = data.counters.get(name)?.value;
  return typeof v === "string" ? v : undefined;
}
