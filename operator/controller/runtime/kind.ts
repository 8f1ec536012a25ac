import type { HasMetadata } from "./objectStore.js";
import type { OmitRule } from "./omitJsonMembers.js";

/**
 * A kind a controller watches, as the runtime needs to list, watch and cache it (what
 * controller-runtime learns from a Go type and its scheme). The product declares its kinds; the
 * runtime keeps one shared cache per kind, whichever controllers watch it.
 */
export interface Kind<T extends HasMetadata> {
  /** Names the cache in logs, readiness and metrics (informer="..."); one Kind per name. */
  readonly name: string;
  /** The collection path: of one namespace when `namespace` is given, else of the whole kind. */
  path(namespace?: string): string;
  /** Watch only these namespaces, one list/watch each; absent or empty: path() once. */
  readonly namespaces?: readonly string[];
  readonly labelSelector?: string;
  /**
   * Items per list page (default 100). Smaller for kinds whose objects are large: a page's JSON
   * text and parsed objects are alive together before the transform trims them, and memory the
   * allocator took for one big page is not given back to the system.
   */
  readonly pageSize?: number;
  /**
   * Members of each object the cache never keeps (paths from the object, see omitJsonMembers.ts):
   * cut from the JSON text of list pages and watch events before it is parsed, so large ones
   * never reach the heap. The transform sees the object without them (or, counted, with their
   * element count in their place); a write's answer (recordWrite) still reaches it whole.
   */
  readonly omit?: readonly OmitRule[];
  /**
   * Trim or decode each object before it is cached. Must keep metadata name, namespace and
   * resourceVersion: watch events are keyed on the raw object.
   */
  readonly transform?: (raw: unknown) => T;
}
