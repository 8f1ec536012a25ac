/**
 * Reads that cannot hang or exhaust memory: opened non-blocking, must be a regular file, at most a
 * given number of bytes. For kernel files (/proc, /sys), whose size stat reports as 0 or 4096, and
 * the building block of confinedRead.ts for files under a target's root.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";

/** O_NONBLOCK: opening a FIFO or a device never waits for the other end. */
export const OPEN_READ_NONBLOCK = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export interface BoundedBytes {
  bytes: Buffer;
  /** The file had more than maxBytes; `bytes` holds the first maxBytes. */
  truncated: boolean;
}

/** A readable name for a stat's file type, for "not a regular file (fifo)". */
export function fileKind(st: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): string {
  if (st.isFIFO()) return "fifo";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  if (st.isSocket()) return "socket";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "special file";
}

export class NotRegularFileError extends Error {
  constructor(path: string, kind: string) {
    super(`${path}: not a regular file (${kind})`);
    this.name = "NotRegularFileError";
  }
}

/**
 * The chunks of one bounded read: at most maxBytes plus one (to know there was more), 64 KiB at
 * a time. The sync and async readers share it and differ only in how a chunk is read.
 */
class BoundedChunks {
  private readonly chunks: Buffer[] = [];
  private total = 0;
  constructor(private readonly maxBytes: number) {}

  /** A buffer for the next read, or undefined when enough has been read. */
  next(): Buffer | undefined {
    const want = Math.min(64 * 1024, this.maxBytes + 1 - this.total);
    return want > 0 ? Buffer.allocUnsafe(want) : undefined;
  }

  /** Keeps what a read put in `buf`; false at the end of the file. */
  add(buf: Buffer, bytesRead: number): boolean {
    if (bytesRead === 0) return false;
    this.chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    this.total += bytesRead;
    return true;
  }

  result(): BoundedBytes {
    const all = Buffer.concat(this.chunks, this.total);
    return all.length > this.maxBytes
      ? { bytes: all.subarray(0, this.maxBytes), truncated: true }
      : { bytes: all, truncated: false };
  }
}

/** Reads at most maxBytes (plus one, to know there was more) from an open handle. */
export async function readAtMost(handle: FileHandle, maxBytes: number): Promise<BoundedBytes> {
  const chunks = new BoundedChunks(maxBytes);
  for (let buf = chunks.next(); buf; buf = chunks.next()) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, null);
    if (!chunks.add(buf, bytesRead)) break;
  }
  return chunks.result();
}

/**
 * A regular file's first maxBytes, opened non-blocking; NotRegularFileError for anything else.
 * Synchronous on purpose: kernel files answer from memory, and a thread-pool round trip for each
 * of open, fstat, read and close cost more than the reads (a target's /proc scan and its cgroup
 * files waited ~50 ms on the pool in every start). Files under a target's root,
 * which may sit on a slow or hostile file system, go through confinedRead.ts's async reads.
 */
export async function readBounded(path: string, maxBytes: number): Promise<BoundedBytes> {
  const fd = openSync(path, OPEN_READ_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
    const chunks = new BoundedChunks(maxBytes);
    for (let buf = chunks.next(); buf; buf = chunks.next())
      if (!chunks.add(buf, readSync(fd, buf, 0, buf.length, null))) break;
    return chunks.result();
  } finally {
    closeSync(fd);
  }
}

/**
 * Text of a bounded read; when cut, the last partial record (after the last newline or NUL) is
 * dropped, so line and NUL-separated parsers never see half a record.
 */
export function boundedText({ bytes, truncated }: BoundedBytes): string {
  const text = bytes.toString("utf8");
  if (!truncated) return text;
  const end = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\0"));
  return end < 0 ? "" : text.slice(0, end + 1);
}
