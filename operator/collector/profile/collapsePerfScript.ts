import { FoldingSink } from "./foldingSink.js";
import { PerfScriptReader } from "./perfScriptReader.js";
import {
  type CollapseLimits,
  type CollapseOptions,
  type CollapseResult,
  StackFolder,
} from "./stackFolder.js";

export interface PerfScriptCollapse extends CollapseResult {
  /** Lines neither a sample header, a frame, blank, nor a comment. */
  unrecognizedLines: number;
  /** The first such line (cut to 200 characters), to show what was not understood. */
  firstUnrecognizedLine?: string;
}

/**
 * `perf script` output -> collapsed stacks, as it streams: write() chunks as they come (a pipe
 * from `perf script`, a file), end() for the result. The same stacks as parsePerfScript +
 * collapseSamples, without holding the text or a sample object: each distinct frame line is
 * parsed and named once, each distinct call chain folded once (FoldingSink), the tree is built
 * while reading.
 */
export class PerfScriptCollapser {
  private readonly folder: StackFolder;
  private readonly reader: PerfScriptReader;
  private readonly sink: FoldingSink;

  constructor(options: CollapseOptions = {}, limits: Partial<CollapseLimits> = {}) {
    this.folder = new StackFolder(options, limits);
    this.sink = new FoldingSink(this.folder);
    this.reader = new PerfScriptReader(this.sink);
  }

  write(chunk: Buffer | string): void {
    this.sink.chunk++;
    this.reader.write(chunk);
  }

  end(): PerfScriptCollapse {
    this.reader.end();
    return { ...this.folder.result(), ...this.readerSummary() };
  }

  /**
   * end() for printing the stacks: what was counted, and the sorted "stack count\n" text in
   * UTF-8 chunks, written from the tree without a map of all stacks (unless a name holds ";").
   */
  endSorted(): {
    summary: Omit<PerfScriptCollapse, "stacks">;
    text: Iterable<Uint8Array>;
  } {
    this.reader.end();
    const text = this.folder.sortedText();
    if (text) return { summary: { ...this.folder.summary(), ...this.readerSummary() }, text };
    const { stacks, ...summary } = this.end();
    const keys = [...stacks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { summary, text: linesAsText(keys.map((k): [string, number] => [k, stacks.get(k)!])) };
  }

  private readerSummary(): Pick<PerfScriptCollapse, "unrecognizedLines" | "firstUnrecognizedLine"> {
    const first = this.reader.firstUnrecognizedLine;
    return {
      unrecognizedLines: this.reader.unrecognizedLines,
      ...(first !== undefined ? { firstUnrecognizedLine: first } : {}),
    };
  }
}

/** collapsePerfScript over text already in memory. */
export function collapsePerfScript(
  text: string,
  options: CollapseOptions = {},
  limits: Partial<CollapseLimits> = {},
): PerfScriptCollapse {
  const c = new PerfScriptCollapser(options, limits);
  c.write(text);
  return c.end();
}

/** collapsePerfScript over a stream (a pipe, a file), a chunk at a time. */
export async function collapsePerfScriptStream(
  input: AsyncIterable<Buffer | string>,
  options: CollapseOptions = {},
  limits: Partial<CollapseLimits> = {},
): Promise<PerfScriptCollapse> {
  const c = new PerfScriptCollapser(options, limits);
  for await (const chunk of input) c.write(chunk);
  return c.end();
}

/** "stack count" lines encoded straight into 64 KiB buffers: no text of the whole output. */
function* linesAsText(stacks: Iterable<[string, number]>): Generator<Uint8Array> {
  let buffer = Buffer.allocUnsafe(TEXT_CHUNK_BYTES);
  let used = 0;
  for (const [stack, count] of stacks) {
    const line = `${stack} ${count}\n`;
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (used + line.length * 3 > buffer.length) {
      if (used > 0) yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(Math.max(TEXT_CHUNK_BYTES, line.length * 3));
      used = 0;
    }
    used += buffer.write(line, used);
  }
  if (used > 0) yield buffer.subarray(0, used);
}

const TEXT_CHUNK_BYTES = 64 * 1024;
