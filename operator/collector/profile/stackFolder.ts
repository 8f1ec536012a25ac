import { FrameTrie, grown } from "../../flamegraph/frameTrie.js";
import type { CollapsedStacks } from "../../report/collapsedText.js";
import { detachedString } from "./detachedString.js";
import type { SampleHeader } from "./sampleHeader.js";
import { SeenStacks, stackHash } from "./seenStacks.js";

/** What a count in the collapsed stacks is. */
export type StackWeighting = "samples" | "period";

export interface CollapseOptions {
  /** Root frame "comm-pid" instead of "comm" (stackcollapse-perf --pid). */
  includePid?: boolean;
  /**
   * "samples" (default): one per sample, as stackcollapse-perf.pl and inferno count.
   * "period": each sample weighs its period (events, or ns of cpu-clock); samples without one
   * weigh the median period of the others.
   */
  weighting?: StackWeighting;
  /** Keep only this event; default: the first event seen, as the peers do (mixing is misleading). */
  event?: string;
}

/**
 * Bounds on what folding keeps, so a long or hostile profile cannot take the collector's memory:
 * the tree of distinct stack prefixes, the distinct frame names, the stacks handed on.
 */
export interface CollapseLimits {
  /** Distinct (parent, frame) nodes of the stack tree; deeper frames of new paths are cut. */
  maxNodes: number;
  /** Distinct frame names; further ones are one "[frame names over the cap]" frame. */
  maxNames: number;
  /** Stacks in the result; the lightest others are merged into one frame per process. */
  maxStacks: number;
}

/**
 * About 40 MB of tree at most, and stacks far beyond what the report's 256 KiB blob keeps (it
 * keeps the heaviest); a 100,000-sample whole-node profile has some 15,000 distinct stacks.
 */
export const DEFAULT_COLLAPSE_LIMITS: CollapseLimits = {
  maxNodes: 1_000_000,
  maxNames: 500_000,
  maxStacks: 50_000,
};

export interface CollapseResult {
  stacks: CollapsedStacks;
  weighting: StackWeighting;
  /** The event kept, when perf printed one. */
  event?: string;
  /** Samples of the kept event, and of other events left out. */
  samples: number;
  otherEventSamples: number;
  /** Set when a limit was reached: what was cut or merged, in words. */
  limitNote?: string;
}

/** Stacks remembered by their ids (SeenStacks), and ids kept for them: 8 MiB at most. */
const SEEN_STACKS = 200_000;
const SEEN_STACK_WORDS = 2 * 1024 * 1024;

export const MERGED_STACKS_FRAME = "[lighter stacks merged]";
const OVERFLOW_NAME = "[frame names over the cap]";

/**
 * Folds samples into collapsed stacks as they arrive: frame names interned to ids, each sample's
 * path walked from the root through a tree of (parent, name) nodes kept in typed arrays, the
 * sample's weight added at its leaf. Nothing per sample is kept; the stack strings are built once
 * per distinct stack at the end.
 */
export class StackFolder {
  readonly weighting: StackWeighting;
  private readonly limits: CollapseLimits;
  private readonly includePid: boolean;
  private event: string | undefined;
  private kept = 0;
  private other = 0;

  private readonly nameIds = new Map<string, number>();
  private readonly names: string[] = [];
  private namesOverCap = 0;

  // The tree; per node, the weight of the samples ending there and the last child looked up.
  private readonly trie: FrameTrie;
  private memoName: Int32Array<ArrayBuffer>;
  private memoChild: Int32Array<ArrayBuffer>;
  private weight: Float64Array<ArrayBuffer>;
  /** Period weighting: samples without a period ending at the node, weighed at the end. */
  private unweighed: Float64Array<ArrayBuffer> | undefined;
  /** Nodes with weight, in the order they first got it. */
  private leaves: Int32Array<ArrayBuffer> = new Int32Array(256);
  private leafCount = 0;
  private cutSamples = 0;
  private droppedSamples = 0;
  /** Where the stacks seen so far landed in the tree (end()). */
  private readonly seen = new SeenStacks(SEEN_STACKS, SEEN_STACK_WORDS);

  /** Every sample's period (of any event), for the median that weighs samples without one. */
  private periods: Float64Array<ArrayBuffer> | undefined;
  private periodCount = 0;

  // The current sample: its root and names, each frame's names reversed, leaf frame first.
  private active = false;
  private rootId = 0;
  private period: number | undefined;
  private path = new Int32Array(256);
  private pathLength = 0;

  constructor(options: CollapseOptions = {}, limits: Partial<CollapseLimits> = {}) {
    this.weighting = options.weighting ?? "samples";
    this.includePid = options.includePid ?? false;
    this.event = options.event;
    this.limits = { ...DEFAULT_COLLAPSE_LIMITS, ...limits };
    this.trie = new FrameTrie(this.limits.maxNodes);
    const capacity = this.trie.capacity;
    this.memoName = new Int32Array(capacity).fill(-1);
    this.memoChild = new Int32Array(capacity);
    this.weight = new Float64Array(capacity);
    if (this.weighting === "period") {
      this.unweighed = new Float64Array(capacity);
      this.periods = new Float64Array(1024);
    }
  }

  /** The id of a frame name, the same for the same name all run long. */
  nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id !== undefined) return id;
    if (this.names.length >= this.limits.maxNames) {
      this.namesOverCap++;
      id = this.nameIds.get(OVERFLOW_NAME);
      if (id !== undefined) return id;
      name = OVERFLOW_NAME;
    }
    id = this.names.length;
    const kept = detachedString(name);
    this.names.push(kept);
    this.nameIds.set(kept, id);
    return id;
  }

  /** Starts a sample. False when it is left out (another event than the kept one). */
  begin(header: SampleHeader): boolean {
    this.end();
    if (this.periods && header.period !== undefined && header.period > 0) {
      if (this.periodCount === this.periods.length) this.periods = grown(this.periods);
      this.periods[this.periodCount++] = header.period;
    }
    if (header.event !== undefined) {
      this.event ??= header.event;
      if (header.event !== this.event) {
        this.other++;
        return false;
      }
    }
    this.kept++;
    const comm = header.comm.includes(" ") ? header.comm.replaceAll(" ", "_") : header.comm;
    this.rootId = this.nameId(this.includePid ? `${comm}-${header.pid ?? header.tid}` : comm);
    this.period = header.period;
    this.pathLength = 0;
    this.active = true;
    return true;
  }

  /** The next frame of the current sample (leaf first): its names' ids, in the frame's order. */
  frame(ids: readonly number[]): void {
    if (!this.active) return;
    if (this.pathLength + ids.length > this.path.length) {
      const bigger = new Int32Array(Math.max(this.path.length * 2, this.pathLength + ids.length));
      bigger.set(this.path.subarray(0, this.pathLength));
      this.path = bigger;
    }
    for (let i = ids.length - 1; i >= 0; i--) this.path[this.pathLength++] = ids[i]!;
  }

  /** The current sample's frames so far (what frame() made of them), to give again by framesFrom. */
  framesSoFar(): Int32Array {
    return this.path.slice(0, this.pathLength);
  }

  /** All frames of the current sample at once: framesSoFar() of a sample with the same ones. */
  framesFrom(frames: Int32Array): void {
    if (!this.active) return;
    if (frames.length > this.path.length) this.path = new Int32Array(frames.length * 2);
    this.path.set(frames);
    this.pathLength = frames.length;
  }

  /**
   * Ends the current sample: its path is walked from the root and weighed at its leaf. A stack
   * seen before lands where it did then (the tree only grows: the walk would find the same
   * nodes, or be cut at the same one), so it is looked up instead of walked.
   */
  end(): void {
    if (!this.active) return;
    this.active = false;
    const hash = stackHash(this.rootId, this.path, this.pathLength);
    let landing = this.seen.find(hash, this.rootId, this.path, this.pathLength);
    if (landing < 0) {
      landing = this.walk();
      this.seen.add(hash, this.rootId, this.path, this.pathLength, landing);
    }
    const node = landing >> 1;
    if (node === 0) {
      this.droppedSamples++;
      return;
    }
    if ((landing & 1) === 1) this.cutSamples++;
    if (this.weight[node] === 0 && (this.unweighed === undefined || this.unweighed[node] === 0)) {
      if (this.leafCount === this.leaves.length) this.leaves = grown(this.leaves);
      this.leaves[this.leafCount++] = node;
    }
    const p = this.period;
    if (this.unweighed === undefined) this.weight[node]! += 1;
    else if (p !== undefined && p > 0) this.weight[node]! += p;
    else this.unweighed[node]! += 1;
  }

  /**
   * Walks the current sample's path from the root, making the nodes it lacks. Where it lands:
   * node * 2, + 1 when the tree filled up before the leaf (cut short); 0 when it had no room
   * for the root.
   */
  private walk(): number {
    let node = this.child(0, this.rootId);
    if (node === 0) return 0;
    // This loop runs once per frame of every new stack: a node's last child looked up is memoized.
    const trie = this.trie;
    const path = this.path;
    for (let i = this.pathLength - 1; i >= 0; i--) {
      const name = path[i]!;
      if (this.memoName[node] === name) {
        node = this.memoChild[node]!;
        continue;
      }
      let next = trie.find(node, name);
      if (next === 0) {
        next = this.child(node, name);
        if (next === 0) return node * 2 + 1;
      }
      this.memoName[node] = name;
      this.memoChild[node] = next;
      node = next;
    }
    return node * 2;
  }

  /** The stacks as a map (the heaviest maxStacks, the others merged), and what was counted. */
  result(): CollapseResult {
    const weightOf = this.weights();
    let keep = Array.from(this.leaves.subarray(0, this.leafCount));
    const notes: string[] = [];
    const merged = new Map<number, number>();
    if (keep.length > this.limits.maxStacks) {
      const heaviest = [...keep].sort((a, b) => weightOf(b) - weightOf(a) || a - b);
      const kept = new Set(heaviest.slice(0, this.limits.maxStacks));
      let mergedWeight = 0;
      let total = 0;
      for (const node of keep) {
        const w = weightOf(node);
        total += w;
        if (kept.has(node)) continue;
        mergedWeight += w;
        const root = this.rootOf(node);
        merged.set(root, (merged.get(root) ?? 0) + w);
      }
      notes.push(
        `the ${keep.length - kept.size} lightest of ${keep.length} distinct stacks (${percent(mergedWeight, total)} of the ${this.weighting}) merged into one "${MERGED_STACKS_FRAME}" frame per process`,
      );
      keep = keep.filter((n) => kept.has(n));
    }
    const stacks: CollapsedStacks = new Map();
    const add = (key: string, w: number) => stacks.set(key, (stacks.get(key) ?? 0) + w);
    const parts: string[] = [];
    const { parent, nameOf } = this.trie;
    for (const node of keep) {
      parts.length = 0;
      for (let n = node; n !== 0; n = parent[n]!) parts.push(this.names[nameOf[n]!]!);
      add(parts.reverse().join(";"), weightOf(node));
    }
    for (const [root, w] of merged) add(`${this.names[nameOf[root]!]};${MERGED_STACKS_FRAME}`, w);
    return { stacks, ...this.summary(notes) };
  }

  /** What was counted, without the stacks; notes: what a limit cut besides the tree's own. */
  summary(notes: readonly string[] = []): Omit<CollapseResult, "stacks"> {
    this.end();
    const all = [...notes];
    if (this.cutSamples > 0 || this.droppedSamples > 0)
      all.push(
        `${this.cutSamples + this.droppedSamples} samples' stacks cut short (${this.droppedSamples} left out) at ${this.limits.maxNodes} distinct stack nodes`,
      );
    if (this.namesOverCap > 0)
      all.push(
        `${this.namesOverCap} frames past ${this.limits.maxNames} distinct names shown as "${OVERFLOW_NAME}"`,
      );
    const out: Omit<CollapseResult, "stacks"> = {
      weighting: this.weighting,
      samples: this.kept,
      otherEventSamples: this.other,
    };
    if (this.event !== undefined) out.event = this.event;
    if (all.length > 0) out.limitNote = `collapse limits reached: ${all.join("; ")}`;
    return out;
  }

  /**
   * Every stack and its weight as a sorted "stack count\n" text (JavaScript string order) in
   * UTF-8, in chunks of some 64 KiB, walked from the tree: no string of every stack is held, and
   * no stacks are merged (maxStacks bounds only result()). Each name is encoded once and each
   * line copied from the bytes of the path above it, not made a string: a profile's stacks are
   * long (many KiB), and share most of their frames. Undefined when a frame name holds ";": then
   * two paths can print as one stack and the tree's order is not the text's.
   */
  sortedText(): Iterable<Uint8Array> | undefined {
    this.end();
    if (this.names.some((n) => n.includes(";"))) return undefined;
    return this.writeSorted(this.weights());
  }

  /** The tree walked in sorted order, each stack's line written as bytes: its path's, then its count's. */
  private *writeSorted(weightOf: (node: number) => number): Generator<Uint8Array> {
    const entriesOf = this.sortedEntries(weightOf);
    const { names } = this;
    const { nameOf } = this.trie;
    const encoded: (Buffer | undefined)[] = [];
    // The path of the entry being written; a stack entry's path is path[0, pathLength).
    let path = new Uint8Array(4096);
    let out = Buffer.allocUnsafe(TEXT_CHUNK_BYTES);
    let used = 0;
    const stack: { entries: number[]; next: number; pathLength: number }[] = [
      { entries: entriesOf(0), next: 0, pathLength: 0 },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next === top.entries.length) {
        stack.pop();
        continue;
      }
      const entry = top.entries[top.next++]!;
      const node = entry >> 1;
      const id = nameOf[node]!;
      let name = encoded[id];
      if (name === undefined) {
        name = Buffer.from(names[id]!, "utf8");
        encoded[id] = name;
      }
      let length = top.pathLength;
      if (length + 1 + name.length > path.length) {
        const bigger = new Uint8Array(Math.max(path.length * 2, length + 1 + name.length));
        bigger.set(path.subarray(0, length));
        path = bigger;
      }
      if (stack.length > 1) path[length++] = SEMICOLON;
      path.set(name, length);
      length += name.length;
      if ((entry & 1) === 1) {
        stack.push({ entries: entriesOf(node), next: 0, pathLength: length });
        continue;
      }
      const count = String(weightOf(node));
      const lineLength = length + count.length + 2;
      if (used + lineLength > out.length) {
        if (used > 0) yield out.subarray(0, used);
        out = Buffer.allocUnsafe(Math.max(TEXT_CHUNK_BYTES, lineLength));
        used = 0;
      }
      out.set(path.subarray(0, length), used);
      used += length;
      out[used++] = SPACE;
      used += out.write(count, used, "latin1");
      out[used++] = NEWLINE;
    }
    if (used > 0) yield out.subarray(0, used);
  }

  /**
   * The entries below a node in the order of the sorted text: a child's own samples (2n) when it
   * has any, and its subtree (2n + 1) when it has one, which sorts as "name;".
   */
  private sortedEntries(weightOf: (node: number) => number): (node: number) => number[] {
    const { size: nodes, parent, nameOf } = this.trie;
    // Children of each node, contiguous: first[n] .. first[n + 1] in `children`.
    const first = new Int32Array(nodes + 1);
    for (let n = 1; n < nodes; n++) first[parent[n]! + 1]!++;
    for (let n = 0; n < nodes; n++) first[n + 1]! += first[n]!;
    const children = new Int32Array(Math.max(0, nodes - 1));
    const fill = first.slice(0, nodes);
    for (let n = 1; n < nodes; n++) children[fill[parent[n]!]!++] = n;
    const names = this.names;
    return (node) => {
      const out: number[] = [];
      for (let i = first[node]!; i < first[node + 1]!; i++) {
        const c = children[i]!;
        if (weightOf(c) > 0) out.push(2 * c);
        if (first[c + 1]! > first[c]!) out.push(2 * c + 1);
      }
      return out.sort((a, b) =>
        compareKeys(names[nameOf[a >> 1]!]!, a & 1, names[nameOf[b >> 1]!]!, b & 1),
      );
    };
  }

  /** Each node's weight, samples without a period weighed at the median period. */
  private weights(): (node: number) => number {
    this.end();
    const fallback = this.periods ? medianOf(this.periods.subarray(0, this.periodCount)) : 1;
    const weight = this.weight;
    const unweighed = this.unweighed;
    return unweighed
      ? (node) => weight[node]! + unweighed[node]! * fallback
      : (node) => weight[node]!;
  }

  private rootOf(node: number): number {
    const parent = this.trie.parent;
    let n = node;
    while (parent[n] !== 0) n = parent[n]!;
    return n;
  }

  /** The child of parent named name, made if new; 0 when the tree is full. */
  private child(parent: number, name: number): number {
    const node = this.trie.child(parent, name);
    if (this.weight.length < this.trie.capacity) {
      const from = this.memoName.length;
      this.memoName = grown(this.memoName);
      this.memoName.fill(-1, from);
      this.memoChild = grown(this.memoChild);
      this.weight = grown(this.weight);
      if (this.unweighed) this.unweighed = grown(this.unweighed);
    }
    return node;
  }
}

/** "a" (own samples, sub 0) or "a;" (subtree, sub 1) against another such key, as strings. */
function compareKeys(a: string, subA: number, b: string, subB: number): number {
  const la = a.length + subA;
  const lb = b.length + subB;
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    const ca = i < a.length ? a.charCodeAt(i) : SEMICOLON;
    const cb = i < b.length ? b.charCodeAt(i) : SEMICOLON;
    if (ca !== cb) return ca - cb;
  }
  return la - lb;
}

const SEMICOLON = 59;
const SPACE = 32;
const NEWLINE = 10;
/** sortedText's chunks: what a pipe takes at once. */
const TEXT_CHUNK_BYTES = 64 * 1024;

function medianOf(xs: Float64Array): number {
  if (xs.length === 0) return 1;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.floor(sorted.length / 2)] ?? 1;
}

function percent(n: number, of: number): string {
  return `${of > 0 ? ((n / of) * 100).toFixed(1) : "0.0"}%`;
}
