import { readSync } from "node:fs";

/** Bytes read at a time by default: any size works for the line readers. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a file descriptor (a file, or a blocking pipe) to its end through one reused buffer,
 * each chunk handed to onChunk before the next read (so onChunk must not keep it): no round trip
 * through the thread pool per chunk, which costs more than the parsing when the machine is busy.
 * Returns false when the descriptor would block (a non-blocking pipe): the caller reads the rest
 * as a stream, from where this stopped.
 */
export function readInputSync(
  fd: number,
  onChunk: (chunk: Buffer) => void,
  chunkBytes = CHUNK_BYTES,
): boolean {
  const buffer = Buffer.allocUnsafe(chunkBytes);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, chunkBytes, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") return false;
      throw e;
    }
    if (n === 0) return true;
    onChunk(buffer.subarray(0, n));
  }
}

/**
 * A command's input: a function when making the stream has a cost (process.stdin makes a pipe
 * non-blocking).
 */
export type InputStream = NodeJS.ReadableStream | (() => NodeJS.ReadableStream);

/**
 * Every chunk of input into onChunk: read synchronously from fd (when given) while it does not
 * block, the rest from the stream.
 */
export async function readInput(
  input: InputStream,
  onChunk: (chunk: Buffer | string) => void,
  fd?: number,
): Promise<void> {
  if (fd !== undefined && readInputSync(fd, onChunk)) return;
  for await (const chunk of typeof input === "function" ? input() : input)
    onChunk(chunk as Buffer | string);
}
