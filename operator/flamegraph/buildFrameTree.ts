import type { CollapsedStacks } from "../report/collapsedText.js";

export interface FrameNode {
  name: string;
  depth: number;
  /** Samples with this frame on the stack (its width). */
  value: number;
  /** Samples where this frame is the leaf. */
  self: number;
  /** Differential graphs: the same path's samples in the baseline, scaled to this profile's total. */
  base: number;
  /** Offset of the frame's left edge, in samples from the left of the graph. */
  start: number;
  /** Sorted by name, so the same stacks always draw the same picture. */
  children: FrameNode[];
}

interface Building {
  name: string;
  value: number;
  self: number;
  base: number;
  children: Map<string, Building>;
}

/**
 * Merges collapsed stacks into a tree under a root frame "all". With a baseline, each node also
 * gets the baseline's samples for the same path (scaled by `baseScale`); paths only in the
 * baseline get value 0 and are left to the renderer to skip.
 */
export function buildFrameTree(
  stacks: CollapsedStacks,
  baseline?: CollapsedStacks,
  baseScale = 1,
): FrameNode {
  const root: Building = { name: "all", value: 0, self: 0, base: 0, children: new Map() };
  const addStack = (stack: string, n: number, field: "value" | "base") => {
    let node = root;
    node[field] += n;
    for (const name of stack.split(";")) {
      if (name === "") continue;
      let child = node.children.get(name);
      if (!child) {
        child = { name, value: 0, self: 0, base: 0, children: new Map() };
        node.children.set(name, child);
      }
      child[field] += n;
      node = child;
    }
    if (field === "value") node.self += n;
  };
  for (const [stack, n] of stacks) addStack(stack, n, "value");
  if (baseline) for (const [stack, n] of baseline) addStack(stack, n * baseScale, "base");
  return finish(root, 0, 0);
}

function finish(b: Building, depth: number, start: number): FrameNode {
  const node: FrameNode = {
    name: b.name,
    depth,
    value: b.value,
    self: b.self,
    base: b.base,
    start,
    children: [],
  };
  let offset = start;
  const names = [...b.children.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  for (const name of names) {
    const child = b.children.get(name);
    if (!child) continue;
    node.children.push(finish(child, depth + 1, offset));
    offset += child.value;
  }
  return node;
}

export function maxDepth(node: FrameNode): number {
  let d = node.depth;
  for (const c of node.children) if (c.value > 0) d = Math.max(d, maxDepth(c));
  return d;
}
