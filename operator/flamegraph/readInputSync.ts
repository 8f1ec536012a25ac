import { readSync } from "node:fs";

/** Bytes read at a time: any size works for the line readers. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a file descriptor (a file, or a blocking pipe) to its end through one reused buffer,
 * each chunk handed to onChunk before the next read (so onChunk must not keep it): no round trip
 * through the thread pool per chunk, which costs more than the parsing when the machine is busy.
 * Returns false when the descriptor would block (a non-blocking pipe): the caller reads the rest
 * as a stream, from where this stopped.
 */
export function readInputSync(fd: number, onChunk: (chunk: Buffer) => void): boolean {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, CHUNK_BYTES, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") return false;
      throw e;
    }
    if (n === 0) return true;
    onChunk(buffer.subarray(0, n));
  }
}
