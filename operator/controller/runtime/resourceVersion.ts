/**
 * Ordering of resourceVersions, for the one place the runtime needs it: an object this process
 * wrote, cached from the API's answer before the watch echoes it (Informer.recordWrite), must not
 * be replaced by an older watch event or list item still in flight.
 *
 * The API calls resourceVersions opaque, but the apiserver's are etcd revisions: decimal
 * integers, monotonic per resource (client-go's IntegerResourceVersionMutationCache relies on
 * the same). Anything else compares as unordered, and the callers fall back to equality, as if
 * no write had been recorded.
 */

const REVISION = /^[1-9][0-9]*$/;

/** True only when both are revisions and `a` comes before `b`. No allocation: hot path. */
export function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !REVISION.test(a) || !REVISION.test(b)) return false;
  return a.length !== b.length ? a.length < b.length : a < b;
}
