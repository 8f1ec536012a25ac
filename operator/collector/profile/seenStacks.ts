import { grown } from "../../flamegraph/frameTrie.js";

/**
 * The stacks of samples already folded, by their names' ids (root, then the path leaf first),
 * each with a number the folder kept for it (where in its tree the stack landed). A profile
 * repeats a few thousand stacks many times over: a stack seen before is found by a hash and a
 * compare of some tens of ints instead of a walk down the tree, one hash lookup per frame.
 * Bounded: past maxStacks or maxWords of ids, nothing more is kept (those stacks are walked).
 */
export class SeenStacks {
  /** Every kept stack's ids, one after the other. */
  private words: Int32Array<ArrayBuffer> = new Int32Array(64 * 1024);
  private wordCount = 0;
  // Per stack: where its ids start in `words`, how many, its hash, and the value kept.
  private start: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private length: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private hashOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private valueOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private count = 0;
  /** Open addressing on the hash -> stack + 1; 0 is an empty slot. */
  private slots = new Int32Array(4096);

  constructor(
    private readonly maxStacks: number,
    private readonly maxWords: number,
  ) {}

  /**
   * The value kept for the stack root + path[0, pathLength), or -1. `hash` must be
   * stackHash(root, path, pathLength): the caller keeps it, add() takes it again.
   */
  find(hash: number, root: number, path: Int32Array, pathLength: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const words = this.words;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const s = slots[slot]! - 1;
      if (s < 0) return -1;
      if (this.hashOf[s] !== hash || this.length[s] !== pathLength + 1) continue;
      const at = this.start[s]!;
      if (words[at] !== root) continue;
      let i = 0;
      while (i < pathLength && words[at + 1 + i] === path[i]) i++;
      if (i === pathLength) return this.valueOf[s]!;
    }
  }

  /** Keeps value for the stack (not found before); nothing when full. */
  add(hash: number, root: number, path: Int32Array, pathLength: number, value: number): void {
    const s = this.count;
    if (s >= this.maxStacks || this.wordCount + pathLength + 1 > this.maxWords) return;
    while (this.wordCount + pathLength + 1 > this.words.length) this.words = grown(this.words);
    if (s === this.start.length) {
      this.start = grown(this.start);
      this.length = grown(this.length);
      this.hashOf = grown(this.hashOf);
      this.valueOf = grown(this.valueOf);
    }
    const at = this.wordCount;
    this.words[at] = root;
    this.words.set(path.subarray(0, pathLength), at + 1);
    this.wordCount += pathLength + 1;
    this.start[s] = at;
    this.length[s] = pathLength + 1;
    this.hashOf[s] = hash;
    this.valueOf[s] = value;
    this.count++;
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i < this.count; i++) this.place(i);
    } else this.place(s);
  }

  private place(s: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashOf[s]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = s + 1;
  }
}

/** A hash of root and path[0, pathLength). */
export function stackHash(root: number, path: Int32Array, pathLength: number): number {
  let h = Math.imul(root ^ 0x9e3779b1, 0x85ebca6b);
  for (let i = 0; i < pathLength; i++) h = Math.imul(h ^ path[i]!, 0x9e3779b1) ^ (h >>> 15);
  return (h ^ (h >>> 16)) & 0x7fffffff;
}
