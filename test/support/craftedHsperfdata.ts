/**
 * Hostile hsperfdata files, written from the documented format (HotSpot perfMemory.hpp, as in
 * operator/collector/jvm/parseHsperfdata.ts), not captured: a target controls its own file.
 */

/** A valid 32-byte little-endian prologue (format 2.0) with the given header fields. */
export function prologue(buf: Buffer, used: number, entryOffset: number, numEntries: number): void {
  buf.writeUInt32BE(0xcafec0c0, 0);
  buf.writeUInt8(1, 4); // little endian
  buf.writeUInt8(2, 5); // major
  buf.writeUInt8(0, 6); // minor
  buf.writeUInt8(1, 7); // accessible
  buf.writeInt32LE(used, 8);
  buf.writeInt32LE(entryOffset, 24);
  buf.writeInt32LE(numEntries, 28);
}

/**
 * The "1.3 GB from 77 KiB" file: as many 24-byte entries as fit, each a byte vector (type 'B',
 * units none) claiming 2^31-1 elements from its own start, with a unique 4-byte name. A parser
 * that materializes every vector allocates about (size^2 / 48) array elements.
 */
export function vectorBombHsperfdata(sizeBytes = 77 * 1024): Buffer {
  const buf = Buffer.alloc(sizeBytes);
  const entryLength = 24;
  const count = Math.floor((sizeBytes - 32) / entryLength);
  prologue(buf, sizeBytes, 32, count);
  for (let i = 0; i < count; i++) {
    const at = 32 + i * entryLength;
    buf.writeInt32LE(entryLength, at);
    buf.writeInt32LE(20, at + 4); // name at +20
    buf.writeInt32LE(0x7fffffff, at + 8); // vector length
    buf.writeUInt8("B".charCodeAt(0), at + 12);
    buf.writeUInt8(1, at + 14); // units: none (not a string)
    buf.writeUInt8(1, at + 15);
    buf.writeInt32LE(0, at + 16); // data from the entry's own start
    buf.write(i.toString(36).padStart(4, "0"), at + 20, "latin1");
  }
  return buf;
}

/**
 * Well-formed entries, each a byte vector (units none, not a string) of `vectorBytes` inside its
 * entry, under the given names: what a decoder that materializes vectors would turn into arrays.
 */
export function byteVectorsHsperfdata(names: readonly string[], vectorBytes: number): Buffer {
  const entries = names.map((name) => {
    const nameBytes = Buffer.from(`${name}\0`, "latin1");
    const dataOffset = 20 + Math.ceil(nameBytes.length / 8) * 8;
    const e = Buffer.alloc(dataOffset + Math.ceil(vectorBytes / 8) * 8, 7);
    e.writeInt32LE(e.length, 0);
    e.writeInt32LE(20, 4);
    e.writeInt32LE(vectorBytes, 8);
    e.writeUInt8("B".charCodeAt(0), 12);
    e.writeUInt8(0, 13);
    e.writeUInt8(1, 14); // units: none
    e.writeUInt8(1, 15);
    e.writeInt32LE(dataOffset, 16);
    nameBytes.copy(e, 20);
    return e;
  });
  const body = Buffer.concat(entries);
  const buf = Buffer.concat([Buffer.alloc(32), body]);
  prologue(buf, buf.length, 32, names.length);
  return buf;
}
