/**
 * node:zlib on first use, not at load: every collector start loads the report modules, few
 * runs compress anything (loading zlib cost a few ms of each start, test/bench collector).
 */
export function zlib(): typeof import("node:zlib") {
  return process.getBuiltinModule("node:zlib");
}
