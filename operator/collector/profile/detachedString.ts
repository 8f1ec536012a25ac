/**
 * A copy of s that shares no memory with the string it was cut from. V8 keeps a substring as a
 * view of its parent, so a short name kept from a chunk of `perf script` output would keep the
 * whole chunk alive: what is kept for the whole run (interned frames, names) is copied once.
 */
export function detachedString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
