import { type IndexFunc, type ObjectCache, type ObjectKey, objectKey } from "./contracts.js";

export interface HasMetadata {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export function keyOf(obj: HasMetadata): ObjectKey {
  return objectKey(obj.metadata?.namespace, obj.metadata?.name ?? "");
}

/**
 * Keys by index value, for one named index. A value most objects have alone (a UID) keeps its
 * one key as is: a Set per value would cost ~200 bytes for each cached object.
 */
interface Index<T> {
  fn: IndexFunc<T>;
  byValue: Map<string, ObjectKey | Set<ObjectKey>>;
}

/**
 * An informer's cache: objects by key, plus named indexes (client-go's Indexer): an index
 * function maps an object to the values it is found under, and byIndex(name, value) answers
 * from a map instead of a scan. list(namespace) is such an index, kept always.
 */
export class ObjectStore<T extends HasMetadata> implements ObjectCache<T> {
  private readonly items = new Map<ObjectKey, T>();
  private readonly byNamespace: Index<T> = {
    fn: (obj) => [obj.metadata?.namespace ?? ""],
    byValue: new Map(),
  };
  private readonly indexes = new Map<string, Index<T>>();
  private synced = false;

  get(key: ObjectKey): T | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return this.lookup(this.byNamespace, namespace);
  }

  /** Adds a named index; objects already stored are indexed at once. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexes.has(name)) throw new Error(`index ${name} already exists`);
    const index: Index<T> = { fn, byValue: new Map() };
    for (const [key, obj] of this.items) insert(index, key, valuesOf(index, obj));
    this.indexes.set(name, index);
  }

  /** Objects whose index function returned `value` when last stored. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index ${name}`);
    return this.lookup(index, value);
  }

  /** Read-only view of the cache by key, for diffing a relist. */
  view(): ReadonlyMap<ObjectKey, T> {
    return this.items;
  }

  size(): number {
    return this.items.size;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  markSynced(): void {
    this.synced = true;
  }

  /** Stores obj; returns the previous version, if any. */
  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const index of this.allIndexes()) {
      const before = old ? valuesOf(index, old) : [];
      const after = valuesOf(index, obj);
      if (sameValues(before, after)) continue;
      remove(index, key, before);
      insert(index, key, after);
    }
    return old;
  }

  delete(key: ObjectKey): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.items.delete(key);
    for (const index of this.allIndexes()) remove(index, key, valuesOf(index, old));
    return old;
  }

  private *allIndexes(): Iterable<Index<T>> {
    yield this.byNamespace;
    yield* this.indexes.values();
  }

  private lookup(index: Index<T>, value: string): T[] {
    const keys = index.byValue.get(value);
    if (keys === undefined) return [];
    if (typeof keys === "string") return [this.items.get(keys) as T];
    return [...keys].map((k) => this.items.get(k) as T);
  }
}

/** An index function that throws indexes nothing: one bad object must not stop the informer. */
function valuesOf<T>(index: Index<T>, obj: T): readonly string[] {
  try {
    return index.fn(obj);
  } catch {
    return [];
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function insert<T>(index: Index<T>, key: ObjectKey, values: readonly string[]): void {
  for (const v of values) {
    const keys = index.byValue.get(v);
    if (keys === undefined || keys === key) index.byValue.set(v, key);
    else if (typeof keys === "string") index.byValue.set(v, new Set([keys, key]));
    else keys.add(key);
  }
}

function remove<T>(index: Index<T>, key: ObjectKey, values: readonly string[]): void {
  for (const v of values) {
    const keys = index.byValue.get(v);
    if (keys === key) index.byValue.delete(v);
    else if (typeof keys === "object") {
      keys.delete(key);
      if (keys.size === 1) index.byValue.set(v, keys.values().next().value as ObjectKey);
    }
  }
}
