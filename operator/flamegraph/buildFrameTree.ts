import type { CollapsedStacks } from "../report/collapsedText.js";
import { FrameTrie, grown } from "./frameTrie.js";

/**
 * The merged stacks under a root frame "all", in typed arrays: node 0 is the root, each other
 * node has a parent, a name and, per node, its value (samples with the frame on the stack, its
 * width) and base (differential graphs: the same path's samples in the baseline, scaled to this
 * profile's total; all 0 without a baseline). Children are in name order, so the same stacks
 * always draw the same picture.
 */
export interface FrameTree {
  /** Nodes, the root included. */
  readonly size: number;
  readonly names: readonly string[];
  readonly nameOf: Int32Array;
  readonly parentOf: Int32Array;
  readonly value: Float64Array;
  /** Present when a baseline was added. */
  readonly base?: Float64Array;
  /** Children of node n, sorted by name: childList[firstChild[n] .. firstChild[n + 1]). */
  readonly firstChild: Int32Array;
  readonly childList: Int32Array;
}

/** Merges collapsed stacks (and a baseline's, scaled by baseScale) into a tree. */
export function buildFrameTree(
  stacks: CollapsedStacks,
  baseline?: CollapsedStacks,
  baseScale = 1,
): FrameTree {
  const b = new FrameTreeBuilder();
  for (const [stack, n] of stacks) b.add(stack, n);
  if (baseline) for (const [stack, n] of baseline) b.add(stack, n * baseScale, "base");
  return b.finish();
}

/**
 * Builds a FrameTree a stack at a time, as collapsed text is read. Frames are interned, and the
 * frames a stack shares with the one before (sorted input shares long prefixes) are not looked
 * up again. Paths only in the baseline get value 0 and are left to the renderer to skip.
 */
export class FrameTreeBuilder {
  private readonly nameIds = new Map<string, number>();
  private readonly names: string[] = ["all"];
  private readonly trie = new FrameTrie();
  private value = new Float64Array(this.trie.capacity);
  /** Made on the first baseline stack: a plain graph does without. */
  private base: Float64Array<ArrayBuffer> | undefined;
  /** Sum of the counts added to each field. */
  readonly totals = { value: 0, base: 0 };

  // The previous stack: its text, field, and per frame the node and the frame's end in the text.
  private previous = "";
  private previousField: "value" | "base" = "value";
  private pathNodes: Int32Array<ArrayBuffer> = new Int32Array(64);
  private pathEnds: Int32Array<ArrayBuffer> = new Int32Array(64);
  private pathLength = 0;

  constructor() {
    this.nameIds.set("all", 0);
    this.trie.parent[0] = -1;
  }

  /** One stack "root;...;leaf" with its count; empty frames are skipped. */
  add(stack: string, count: number, field: "value" | "base" = "value"): void {
    if (field === "base") this.base ??= new Float64Array(this.value.length);
    const values = field === "value" ? this.value : this.base!;
    this.totals[field] += count;
    values[0]! += count;
    // Frames wholly inside the text shared with the previous stack are the same nodes.
    let reuse = 0;
    let from = 0;
    if (field === this.previousField && this.pathLength > 0) {
      // The most leading frames, each with its ";", equal in both: a binary search of equal
      // prefixes (one native comparison each) instead of a comparison per character.
      const prev = this.previous;
      let lo = 0;
      let hi = this.pathLength;
      while (lo < hi) {
        const k = (lo + hi + 1) >> 1;
        const end = this.pathEnds[k - 1]! + 1;
        if (end <= stack.length && stack.slice(0, end) === prev.slice(0, end)) lo = k;
        else hi = k - 1;
      }
      reuse = lo;
      from = reuse > 0 ? this.pathEnds[reuse - 1]! + 1 : 0;
    }
    let node = reuse > 0 ? this.pathNodes[reuse - 1]! : 0;
    for (let i = 0; i < reuse; i++) {
      const n = this.pathNodes[i]!;
      values[n]! += count;
    }
    let depth = reuse;
    let start = from;
    while (start <= stack.length) {
      let end = stack.indexOf(";", start);
      if (end < 0) end = stack.length;
      if (end > start) {
        node = this.child(node, this.nameId(stack.slice(start, end)));
        // child() may have grown the arrays.
        (field === "value" ? this.value : this.base!)[node]! += count;
        if (depth === this.pathNodes.length) {
          this.pathNodes = grown(this.pathNodes);
          this.pathEnds = grown(this.pathEnds);
        }
        this.pathNodes[depth] = node;
        this.pathEnds[depth] = end;
        depth++;
      }
      start = end + 1;
    }
    this.previous = stack;
    this.previousField = field;
    this.pathLength = depth;
  }

  /** The tree, children sorted by name; base values multiplied by baseScale. */
  finish(baseScale = 1): FrameTree {
    const { size, parent } = this.trie;
    const base = this.base?.subarray(0, size);
    if (base && baseScale !== 1) for (let i = 0; i < size; i++) base[i]! *= baseScale;
    const rank = new Int32Array(this.names.length);
    const order = this.names.map((_, i) => i);
    order.sort((a, b) => {
      const x = this.names[a]!;
      const y = this.names[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (let r = 0; r < order.length; r++) rank[order[r]!] = r;
    const firstChild = new Int32Array(size + 1);
    for (let n = 1; n < size; n++) firstChild[parent[n]! + 1]!++;
    for (let n = 0; n < size; n++) firstChild[n + 1]! += firstChild[n]!;
    const childList = new Int32Array(Math.max(0, size - 1));
    const fill = firstChild.slice(0, size);
    for (let n = 1; n < size; n++) childList[fill[parent[n]!]!++] = n;
    const nameOf = this.trie.nameOf.subarray(0, size);
    for (let n = 0; n < size; n++) {
      const from = firstChild[n]!;
      const to = firstChild[n + 1]!;
      if (to - from > 1)
        childList.subarray(from, to).sort((a, b) => rank[nameOf[a]!]! - rank[nameOf[b]!]!);
    }
    return {
      size,
      names: this.names,
      nameOf,
      parentOf: parent.subarray(0, size),
      value: this.value.subarray(0, size),
      ...(base ? { base } : {}),
      firstChild,
      childList,
    };
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      // A copy: the name is cut from a chunk of input, which would stay alive with it.
      const kept = JSON.parse(JSON.stringify(name)) as string;
      this.names.push(kept);
      this.nameIds.set(kept, id);
    }
    return id;
  }

  /** The child of parent named name, made if new. */
  private child(parent: number, name: number): number {
    const node = this.trie.child(parent, name);
    if (this.value.length < this.trie.capacity) {
      this.value = grown(this.value);
      if (this.base) this.base = grown(this.base);
    }
    return node;
  }
}

/**
 * The depth of the deepest frame drawn, i.e. at least minWidthPx wide at scale pixels per
 * sample, as flamegraph.pl sizes its image (0 for the root alone).
 */
export function maxDepth(tree: FrameTree, scale: number, minWidthPx: number): number {
  let max = 0;
  const stack = [0];
  const depth = [0];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const d = depth.pop()!;
    if (d > max) max = d;
    for (let i = tree.firstChild[n]!; i < tree.firstChild[n + 1]!; i++) {
      const c = tree.childList[i]!;
      if (tree.value[c]! > 0 && tree.value[c]! * scale >= minWidthPx) {
        stack.push(c);
        depth.push(d + 1);
      }
    }
  }
  return max;
}
