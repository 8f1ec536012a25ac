import type { ObjectKey } from "./contracts.js";
import { type HasMetadata, keyOf } from "./objectStore.js";
import { olderThan } from "./resourceVersion.js";

export interface RelistDiff<T> {
  added: T[];
  updated: Array<{ oldObj: T; newObj: T }>;
  deleted: T[];
}

/**
 * What changed between the cache and a fresh list: objects only in the list are adds, objects
 * only in the cache are deletes (their delete events were missed), objects whose
 * resourceVersion changed are updates. Unchanged objects produce nothing, so a relist after a
 * dropped watch never re-delivers an event the handlers already saw. A cached object newer than
 * the list (a recorded write of this process, see Informer.recordWrite, that the list's snapshot
 * predates) is neither replaced by its older listed version nor deleted: the watch from the
 * list's resourceVersion still brings its event.
 */
export function diffRelist<T extends HasMetadata>(
  cached: ReadonlyMap<ObjectKey, T>,
  listed: readonly T[],
  listResourceVersion?: string,
): RelistDiff<T> {
  const diff: RelistDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<ObjectKey>();
  for (const obj of listed) {
    const key = keyOf(obj);
    seen.add(key);
    const old = cached.get(key);
    const rv = obj.metadata?.resourceVersion;
    const oldRv = old?.metadata?.resourceVersion;
    if (!old) diff.added.push(obj);
    else if (oldRv !== rv && !olderThan(rv, oldRv)) diff.updated.push({ oldObj: old, newObj: obj });
  }
  for (const [key, obj] of cached)
    if (!seen.has(key) && !olderThan(listResourceVersion, obj.metadata?.resourceVersion))
      diff.deleted.push(obj);
  return diff;
}
