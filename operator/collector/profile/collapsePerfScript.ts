import { detachedString } from "./detachedString.js";
import { frameNames } from "./frameNames.js";
import { parseFrame } from "./parsePerfScript.js";
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

/** Distinct frame lines ("symbol+off (dso)") whose names are remembered; others are named again. */
const MAX_REMEMBERED_FRAMES = 1 << 18;

/**
 * Frame lines already named, found by the address's value and the rest's length, then the rest
 * compared: a hash of three numbers instead of a string's characters on every line.
 */
class FrameLineCache {
  private hi = new Int32Array(1024);
  private lo = new Int32Array(1024);
  private readonly rests: string[] = [];
  private readonly ids: (readonly number[])[] = [];
  private slots = new Int32Array(4096);

  get size(): number {
    return this.rests.length;
  }

  find(
    hi: number,
    lo: number,
    text: string,
    restStart: number,
    restEnd: number,
  ): readonly number[] | undefined {
    const length = restEnd - restStart;
    const mask = this.slots.length - 1;
    for (let slot = lineHash(hi, lo, length) & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot]! - 1;
      if (e < 0) return undefined;
      const rest = this.rests[e]!;
      if (
        this.lo[e] === lo &&
        this.hi[e] === hi &&
        rest.length === length &&
        text.slice(restStart, restEnd) === rest
      )
        return this.ids[e];
    }
  }

  add(hi: number, lo: number, rest: string, ids: readonly number[]): void {
    const e = this.rests.length;
    if (e === this.hi.length) {
      const h = new Int32Array(e * 2);
      h.set(this.hi);
      this.hi = h;
      const l = new Int32Array(e * 2);
      l.set(this.lo);
      this.lo = l;
    }
    this.hi[e] = hi;
    this.lo[e] = lo;
    this.rests.push(rest);
    this.ids.push(ids);
    if ((e + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i <= e; i++) this.place(i);
    } else this.place(e);
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let slot = lineHash(this.hi[e]!, this.lo[e]!, this.rests[e]!.length) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = e + 1;
  }
}

function lineHash(hi: number, lo: number, length: number): number {
  const h = Math.imul(lo ^ Math.imul(hi ^ length, 0x9e3779b1), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * `perf script` output -> collapsed stacks, as it streams: write() chunks as they come (a pipe
 * from `perf script`, a file), end() for the result. The same stacks as parsePerfScript +
 * collapseSamples, without holding the text or a sample object: each distinct frame line is
 * parsed and named once, the tree is built while reading.
 */
export class PerfScriptCollapser {
  private readonly folder: StackFolder;
  private readonly reader: PerfScriptReader;
  private readonly frames = new FrameLineCache();

  constructor(options: CollapseOptions = {}, limits: Partial<CollapseLimits> = {}) {
    const folder = new StackFolder(options, limits);
    this.folder = folder;
    const frames = this.frames;
    let skipping = false;
    this.reader = new PerfScriptReader({
      sample(header) {
        skipping = !folder.begin(header);
      },
      frame(text, addressStart, addressEnd, restStart, restEnd, hi, lo) {
        if (skipping) return;
        let ids = frames.find(hi, lo, text, restStart, restEnd);
        if (ids === undefined) {
          const rest = text.slice(restStart, restEnd);
          const frame = parseFrame(text.slice(addressStart, addressEnd), rest);
          ids = frameNames(frame).map((n) => folder.nameId(n));
          if (frames.size < MAX_REMEMBERED_FRAMES) frames.add(hi, lo, detachedString(rest), ids);
        }
        folder.frame(ids);
      },
      endSample() {
        folder.end();
      },
    });
  }

  write(chunk: Buffer | string): void {
    this.reader.write(chunk);
  }

  end(): PerfScriptCollapse {
    this.reader.end();
    return { ...this.folder.result(), ...this.readerSummary() };
  }

  /**
   * end() for printing the stacks: what was counted, and every stack in the order of a sorted
   * text, walked from the tree without a map of all of them (unless a name holds ";").
   */
  endSorted(): {
    summary: Omit<PerfScriptCollapse, "stacks">;
    stacks: Iterable<[string, number]>;
  } {
    this.reader.end();
    const walked = this.folder.sortedStacks();
    if (walked)
      return { summary: { ...this.folder.summary(), ...this.readerSummary() }, stacks: walked };
    const { stacks, ...summary } = this.end();
    const keys = [...stacks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { summary, stacks: keys.map((k): [string, number] => [k, stacks.get(k)!]) };
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
