import { ByteRangeCache } from "./byteRangeCache.js";
import { frameNames } from "./frameNames.js";
import { parseFrame } from "./parsePerfScript.js";
import { frameRest, type PerfScriptSink } from "./perfScriptReader.js";
import type { SampleHeader } from "./sampleHeader.js";
import type { StackFolder } from "./stackFolder.js";

/** Distinct frame lines whose names are remembered (others are named again), and their bytes. */
const MAX_FRAME_LINES = 1 << 18;
const MAX_FRAME_LINE_BYTES = 8 * 1024 * 1024;
/** Distinct samples' frame lines (call chains) remembered whole, and their bytes. */
const MAX_CHAINS = 1 << 16;
const MAX_CHAIN_BYTES = 8 * 1024 * 1024;
/** And the name ids kept for them (an inline chain "a->b->c" is several names on one line). */
const MAX_CHAIN_FRAMES = 2 * 1024 * 1024;

/** A remembered frame line: its names' ids, NOT_A_FRAME, or UNNAMED (only seen in samples left out). */
type FrameLineIds = readonly number[];
const NOT_A_FRAME: FrameLineIds = [];
const UNNAMED: FrameLineIds = [];

const NEWLINE = 10;

/**
 * What a PerfScriptReader reads, folded (StackFolder) as it comes, with two memories of the
 * input's bytes (ByteRangeCache) so that what was read once is not read again:
 * - frame lines: each distinct one is decoded and named once (knownFrame);
 * - call chains: a sample's frame lines together, up to the empty line that ends it, kept when
 *   they were one run of frame lines in one chunk; a sample with the same ones is folded as that
 *   one was without a look at its lines (knownSample).
 * Names are made for frames of samples kept only (not of another event's), as the folder counts
 * names.
 */
export class FoldingSink implements PerfScriptSink {
  /** Bumped by the caller for each chunk: a range seen in an earlier one may be gone. */
  chunk = 0;
  private readonly frameLines = new ByteRangeCache<FrameLineIds>({
    maxEntries: MAX_FRAME_LINES,
    maxBytes: MAX_FRAME_LINE_BYTES,
    maxProbes: 32,
    byLength: false,
  });
  private readonly chains = new ByteRangeCache<Int32Array>({
    maxEntries: MAX_CHAINS,
    maxBytes: MAX_CHAIN_BYTES,
    // Chains that start with the same frame line share a hash.
    maxProbes: 256,
    byLength: false,
  });
  private chainFrames = 0;
  /** The current sample is of another event than the one kept. */
  private skipping = false;
  // The current sample's frame lines, while they are one run of lines in one chunk: from
  // runStart to the "\n" at runEnd; runBytes undefined when there is none (or no more).
  private runBytes: Buffer | undefined;
  private runStart = 0;
  private runEnd = 0;
  private runChunk = 0;
  private runBroken = false;

  constructor(private readonly folder: StackFolder) {}

  sample(header: SampleHeader): void {
    this.skipping = !this.folder.begin(header);
    this.runBytes = undefined;
    this.runBroken = false;
  }

  frame(
    bytes: Buffer,
    lineStart: number,
    addressStart: number,
    addressEnd: number,
    restStart: number,
    end: number,
  ): boolean {
    const entry = this.frameLines.find(bytes, lineStart, end);
    let ids = entry < 0 ? undefined : this.frameLines.value(entry);
    if (ids === undefined || (ids === UNNAMED && !this.skipping)) {
      const rest = frameRest(bytes, restStart, end);
      if (rest === undefined) ids = NOT_A_FRAME;
      else if (this.skipping) ids = UNNAMED;
      else {
        const frame = parseFrame(bytes.toString("latin1", addressStart, addressEnd), rest);
        ids = frameNames(frame).map((n) => this.folder.nameId(n));
      }
      if (entry >= 0) this.frameLines.setValue(entry, ids);
      else this.frameLines.add(bytes, lineStart, end, ids);
    }
    if (ids === NOT_A_FRAME) {
      this.runBroken = true;
      return false;
    }
    if (!this.skipping) this.folder.frame(ids);
    this.extendRun(bytes, lineStart, end);
    return true;
  }

  knownFrame(bytes: Buffer, lineStart: number, limit: number): number {
    const entry = this.frameLines.findLine(bytes, lineStart, limit);
    if (entry < 0) return -1;
    const ids = this.frameLines.value(entry);
    if (ids === NOT_A_FRAME || (ids === UNNAMED && !this.skipping)) return -1;
    if (!this.skipping) this.folder.frame(ids);
    const end = lineStart + this.frameLines.lengthOf(entry);
    this.extendRun(bytes, lineStart, end);
    return end;
  }

  knownSample(bytes: Buffer, start: number, limit: number): number {
    if (this.skipping) return -1;
    // A chain kept ends with its last frame line's "\n", and the empty line's "\n" follows.
    const entry = this.chains.findLine(bytes, start, limit);
    if (entry < 0) return -1;
    this.folder.framesFrom(this.chains.value(entry));
    return start + this.chains.lengthOf(entry);
  }

  endSample(): void {
    const bytes = this.runBytes;
    if (
      bytes !== undefined &&
      !this.runBroken &&
      !this.skipping &&
      this.runChunk === this.chunk &&
      bytes[this.runEnd + 1] === NEWLINE
    ) {
      const frames = this.folder.framesSoFar();
      if (this.chainFrames + frames.length <= MAX_CHAIN_FRAMES) {
        if (this.chains.add(bytes, this.runStart, this.runEnd + 1, frames))
          this.chainFrames += frames.length;
      }
    }
    this.runBytes = undefined;
    this.folder.end();
  }

  /** The frame line bytes[lineStart, end) ("\n" at end) was taken: the run goes on, or breaks. */
  private extendRun(bytes: Buffer, lineStart: number, end: number): void {
    if (this.runBroken) return;
    if (this.runBytes === undefined) {
      this.runBytes = bytes;
      this.runStart = lineStart;
      this.runChunk = this.chunk;
    } else if (bytes !== this.runBytes || lineStart !== this.runEnd + 1) {
      this.runBroken = true;
      return;
    }
    this.runEnd = end;
  }
}
