import { type ObjectCache, type ObjectKey, objectKey, splitObjectKey } from "./contracts.js";

export interface HasMetadata {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export function keyOf(obj: HasMetadata): ObjectKey {
  return objectKey(obj.metadata?.namespace, obj.metadata?.name ?? "");
}

/** An informer's cache: objects by key, indexed by namespace for list(namespace). */
export class ObjectStore<T extends HasMetadata> implements ObjectCache<T> {
  private readonly items = new Map<ObjectKey, T>();
  private readonly byNamespace = new Map<string, Set<ObjectKey>>();
  private synced = false;

  get(key: ObjectKey): T | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    const keys = this.byNamespace.get(namespace);
    return keys ? [...keys].map((k) => this.items.get(k) as T) : [];
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
    // An update keeps its key, so the namespace index already holds it.
    if (old) return old;
    const ns = obj.metadata?.namespace ?? "";
    let set = this.byNamespace.get(ns);
    if (!set) {
      set = new Set();
      this.byNamespace.set(ns, set);
    }
    set.add(key);
    return old;
  }

  delete(key: ObjectKey): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.items.delete(key);
    const ns = splitObjectKey(key).namespace ?? "";
    const set = this.byNamespace.get(ns);
    set?.delete(key);
    if (set?.size === 0) this.byNamespace.delete(ns);
    return old;
  }
}
