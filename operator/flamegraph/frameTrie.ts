/**
 * The tree of stack prefixes that folding (the collector's StackFolder) and drawing
 * (FrameTreeBuilder) both build: node 0 is above the roots, every other node is a
 * (parent, frame name id) pair in typed arrays, found by open addressing on that pair. Callers
 * keep their own per-node arrays at least `capacity` long.
 */
export class FrameTrie {
  parent: Int32Array<ArrayBuffer> = new Int32Array(1024);
  nameOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Nodes, node 0 included. */
  size = 1;
  /** Open addressing on (parent, name) -> node; 0 is an empty slot (node 0 is no child). */
  private slots = new Int32Array(2048);

  /** maxNodes: child() makes no node past it. */
  constructor(private readonly maxNodes = Number.MAX_SAFE_INTEGER) {}

  /** How long the per-node arrays are (and callers' must be). */
  get capacity(): number {
    return this.parent.length;
  }

  /** The child of parent named name; 0 when there is none. */
  find(parent: number, name: number): number {
    return this.slots[this.slotOf(parent, name)]!;
  }

  /** The child of parent named name, made if new; 0 when the trie holds maxNodes nodes. */
  child(parent: number, name: number): number {
    const slot = this.slotOf(parent, name);
    const found = this.slots[slot]!;
    if (found !== 0) return found;
    if (this.size >= this.maxNodes) return 0;
    const node = this.size++;
    if (node === this.parent.length) {
      this.parent = grown(this.parent);
      this.nameOf = grown(this.nameOf);
    }
    this.parent[node] = parent;
    this.nameOf[node] = name;
    this.slots[slot] = node;
    if (this.size * 2 > this.slots.length) this.rehash();
    return node;
  }

  /** The slot of (parent, name), or the empty slot where it would go. */
  private slotOf(parent: number, name: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = hash(parent, name) & mask;
    for (;;) {
      const node = slots[slot]!;
      if (node === 0 || (this.parent[node] === parent && this.nameOf[node] === name)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let node = 1; node < this.size; node++) {
      let slot = hash(this.parent[node]!, this.nameOf[node]!) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = node;
    }
    this.slots = slots;
  }
}

function hash(parent: number, name: number): number {
  const h = Math.imul(parent ^ Math.imul(name, 0x9e3779b1), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A typed array twice as long, a's values first. */
export function grown<T extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(a: T): T {
  const bigger = new (a.constructor as new (n: number) => T)(a.length * 2);
  bigger.set(a);
  return bigger;
}
