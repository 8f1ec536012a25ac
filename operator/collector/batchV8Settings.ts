import { setFlagsFromString } from "node:v8";

/**
 * V8 settings for a subcommand that runs one hot loop over a large input and exits
 * (collapse-perf): its peak RSS is what it costs a container, and V8's defaults are made for
 * long-lived processes. Measured on the bench's input (229 MiB of `perf script`), each saves
 * memory and no time:
 * - no Maglev: the mid tier compiles the hot loop once more, in memory of its own, on the way to
 *   TurboFan (peak RSS 90-112 MB with it, 86-90 without);
 * - no concurrent marking: the heap stays under 20 MB, so a marking pause is short, and the
 *   concurrent marker's thread and worklists cost a few MB more.
 * Set at run time, before the command's code is loaded: V8 reads both when it tiers up or starts
 * a collection. Only for a process that runs that command (not in a test runner).
 */
export function useBatchV8Settings(): void {
  setFlagsFromString("--no-maglev");
  setFlagsFromString("--no-concurrent-marking");
}
