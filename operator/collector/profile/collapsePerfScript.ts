import { FrameLineCache } from "./frameLineCache.js";
import { frameNames } from "./frameNames.js";
import { parseFrame } from "./parsePerfScript.js";
import { frameRest, PerfScriptReader } from "./perfScriptReader.js";
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

/** Distinct frame lines whose names are remembered; others are named again. */
const MAX_REMEMBERED_FRAMES = 1 << 18;
/** And their bytes: 16 MiB is some 150,000 frame lines of long C++ or Java names. */
const MAX_REMEMBERED_BYTES = 16 * 1024 * 1024;

/** A remembered frame line: its names' ids, NOT_A_FRAME, or UNNAMED (only seen in samples left out). */
type FrameLineIds = readonly number[];
const NOT_A_FRAME: FrameLineIds = [];
const UNNAMED: FrameLineIds = [];

/**
 * `perf script` output -> collapsed stacks, as it streams: write() chunks as they come (a pipe
 * from `perf script`, a file), end() for the result. The same stacks as parsePerfScript +
 * collapseSamples, without holding the text or a sample object: each distinct frame line is
 * parsed and named once, the tree is built while reading.
 */
export class PerfScriptCollapser {
  private readonly folder: StackFolder;
  private readonly reader: PerfScriptReader;
  private readonly frames = new FrameLineCache<FrameLineIds>(
    MAX_REMEMBERED_FRAMES,
    MAX_REMEMBERED_BYTES,
  );

  constructor(options: CollapseOptions = {}, limits: Partial<CollapseLimits> = {}) {
    const folder = new StackFolder(options, limits);
    this.folder = folder;
    const frames = this.frames;
    let skipping = false;
    this.reader = new PerfScriptReader({
      sample(header) {
        skipping = !folder.begin(header);
      },
      frame(bytes, lineStart, addressStart, addressEnd, restStart, end) {
        const entry = frames.find(bytes, lineStart, end);
        let ids = entry < 0 ? undefined : frames.value(entry);
        if (ids === undefined || (ids === UNNAMED && !skipping)) {
          const rest = frameRest(bytes, restStart, end);
          // Names are made for frames of samples kept only, as the folder counts names.
          if (rest === undefined) ids = NOT_A_FRAME;
          else if (skipping) ids = UNNAMED;
          else {
            const frame = parseFrame(bytes.toString("latin1", addressStart, addressEnd), rest);
            ids = frameNames(frame).map((n) => folder.nameId(n));
          }
          if (entry >= 0) frames.setValue(entry, ids);
          else frames.add(bytes, lineStart, end, ids);
        }
        if (ids === NOT_A_FRAME) return false;
        if (!skipping) folder.frame(ids);
        return true;
      },
      endSample() {
        folder.end();
      },
      knownFrame(bytes, lineStart, limit) {
        const entry = frames.findLine(bytes, lineStart, limit);
        if (entry < 0) return -1;
        const ids = frames.value(entry);
        if (ids === NOT_A_FRAME || (ids === UNNAMED && !skipping)) return -1;
        if (!skipping) folder.frame(ids);
        return lineStart + frames.lineLength(entry);
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
