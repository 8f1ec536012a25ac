import type { ObjectKey } from "./contracts.js";
import { type HasMetadata, keyOf } from "./objectStore.js";

export interface RelistDiff<T> {
  added: T[];
  updated: Array<{ oldObj: T; newObj: T }>;
  deleted: T[];
}

/**
 * What changed between the cache and a fresh list: objects only in the list are adds, objects
 * only in the cache are deletes (their delete events were missed), objects whose
 * resourceVersion changed are updates. Unchanged objects produce nothing, so a relist after a
 * dropped watch never re-delivers an event the handlers already saw.
 */
export function diffRelist<T extends HasMetadata>(
  cached: ReadonlyMap<ObjectKey, T>,
  listed: readonly T[],
): RelistDiff<T> {
  const diff: RelistDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<ObjectKey>();
  for (const obj of listed) {
    const key = keyOf(obj);
    seen.add(key);
    const old = cached.get(key);
    if (!old) diff.added.push(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
      diff.updated.push({ oldObj: old, newObj: obj });
  }
  for (const [key, obj] of cached) if (!seen.has(key)) diff.deleted.push(obj);
  return diff;
}
