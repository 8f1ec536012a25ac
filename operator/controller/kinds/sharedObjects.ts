/**
 * One shared, frozen copy of objects many cached pods repeat whole: the container specs of a
 * workload's replicas, their controller reference. Keyed by their content (the caller's key);
 * bounded like StringPool: when full it starts over, so distinct objects cannot grow it without
 * limit, and objects already shared stay shared.
 */
export class SharedObjects {
  private readonly objects = new Map<string, unknown>();

  constructor(private readonly maxEntries = 4096) {}

  /** The object known under `key`, else `make()`'s, frozen (deeply) and remembered. */
  share<T>(key: string, make: () => T): T {
    const known = this.objects.get(key);
    if (known !== undefined) return known as T;
    if (this.objects.size >= this.maxEntries) this.objects.clear();
    const made = deepFreeze(make());
    this.objects.set(key, made);
    return made;
  }

  size(): number {
    return this.objects.size;
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
