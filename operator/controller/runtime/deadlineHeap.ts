/**
 * Keys by deadline, earliest first: a binary min-heap that knows each key's slot, so a key's
 * deadline moves (or the key leaves) in O(log n). The work queue's delayed adds wait here
 * behind one timer, as client-go's delaying queue does, instead of one timer per key: a
 * finished Diagnosis waits a day for its expiry check, and thousands of them held a Timeout
 * each (an object, a closure and a per-duration timer list in Node).
 */
export class DeadlineHeap<K> {
  private readonly keys: K[] = [];
  private readonly ats: number[] = [];
  private readonly slots = new Map<K, number>();

  size(): number {
    return this.keys.length;
  }

  /** The key's deadline, if it waits here. */
  deadlineOf(key: K): number | undefined {
    const i = this.slots.get(key);
    return i === undefined ? undefined : this.ats[i];
  }

  /** The earliest deadline, if any key waits. */
  earliest(): number | undefined {
    return this.ats[0];
  }

  /** Adds the key, or moves its deadline to `at`. */
  set(key: K, at: number): void {
    const i = this.slots.get(key);
    if (i === undefined) {
      this.keys.push(key);
      this.ats.push(at);
      this.slots.set(key, this.keys.length - 1);
      this.up(this.keys.length - 1);
      return;
    }
    const before = this.ats[i]!;
    this.ats[i] = at;
    if (at < before) this.up(i);
    else this.down(i);
  }

  /** Removes and returns the earliest key whose deadline is at or before `now`. */
  popDue(now: number): K | undefined {
    if (this.keys.length === 0 || this.ats[0]! > now) return undefined;
    const key = this.keys[0]!;
    this.removeAt(0);
    return key;
  }

  clear(): void {
    this.keys.length = 0;
    this.ats.length = 0;
    this.slots.clear();
  }

  private removeAt(i: number): void {
    const last = this.keys.length - 1;
    this.slots.delete(this.keys[i]!);
    if (i !== last) {
      this.place(i, this.keys[last]!, this.ats[last]!);
      this.keys.pop();
      this.ats.pop();
      this.down(i);
      this.up(i);
    } else {
      this.keys.pop();
      this.ats.pop();
    }
  }

  private place(i: number, key: K, at: number): void {
    this.keys[i] = key;
    this.ats[i] = at;
    this.slots.set(key, i);
  }

  private up(i: number): void {
    const key = this.keys[i]!;
    const at = this.ats[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.ats[parent]! <= at) break;
      this.place(i, this.keys[parent]!, this.ats[parent]!);
      i = parent;
    }
    this.place(i, key, at);
  }

  private down(i: number): void {
    const n = this.keys.length;
    const key = this.keys[i]!;
    const at = this.ats[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.ats[right]! < this.ats[left]! ? right : left;
      if (this.ats[child]! >= at) break;
      this.place(i, this.keys[child]!, this.ats[child]!);
      i = child;
    }
    this.place(i, key, at);
  }
}
