/**
 * One shared copy of the strings many cached objects repeat (namespace, node name, image, label
 * keys and values...): JSON.parse makes a fresh string for every occurrence, so 10,000 pods of
 * one Deployment would otherwise hold 10,000 copies of each. Bounded: when full it starts over,
 * so high-cardinality values (unique labels) cannot grow it without limit; strings already
 * shared stay shared.
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(private readonly maxEntries = 8192) {}

  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size >= this.maxEntries) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  size(): number {
    return this.strings.size;
  }
}
