import { closeSync, openSync } from "node:fs";
import { readInput, readInputSync } from "../../flamegraph/readInputSync.js";
import type { StreamCommand } from "../../flamegraph/streamCommand.js";
import { PerfScriptCollapser } from "./collapsePerfScript.js";
import type { CollapseOptions } from "./stackFolder.js";

const USAGE = `usage:
  diagnose-collector collapse-perf [--pid] [--period] [--event E] [FILE] > collapsed.txt
Folds \`perf script\` output (FILE, or stdin) into collapsed stacks ("frame;frame;leaf count",
sorted), as stackcollapse-perf.pl --kernel --jit and inferno-collapse-perf do:
  --pid        root frame "comm-pid" instead of "comm"
  --period     weigh samples by their period instead of one each
  --event E    keep samples of event E (default: the first event seen)`;

/**
 * Bytes read at a time from a file: the collapser recognizes a sample's frame lines seen before
 * only when they are in one chunk, so chunks well past a sample's size (some KiB) miss fewer;
 * past 256 KiB the chunk no longer stays in the CPU's cache while read (1 MiB cost ~100 ms).
 */
const READ_BYTES = 256 * 1024;

/**
 * `diagnose-collector collapse-perf`: `perf script` text -> collapsed stacks on stdout, read and
 * folded a chunk at a time (memory does not grow with the input). Returns the exit code.
 */
export const runCollapseCommand: StreamCommand = async (
  argv,
  stdin,
  stdout,
  stderr = process.stderr,
  stdinFd,
) => {
  const options: CollapseOptions = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--pid") options.includePid = true;
    else if (a === "--period") options.weighting = "period";
    else if (a === "--event" && argv[i + 1] !== undefined) options.event = argv[++i]!;
    else if (a === "-h" || a === "--help") {
      stdout.write(`${USAGE}\n`);
      return 0;
    } else if (!a.startsWith("-") && file === undefined) file = a;
    else {
      stderr.write(`collapse-perf: unknown argument ${a}\n${USAGE}\n`);
      return 2;
    }
  }
  let result: ReturnType<PerfScriptCollapser["endSorted"]>;
  try {
    const collapser = new PerfScriptCollapser(options);
    const write = (chunk: Buffer | string) => collapser.write(chunk);
    if (file !== undefined) {
      const fd = openSync(file, "r");
      try {
        readInputSync(fd, write, READ_BYTES);
      } finally {
        closeSync(fd);
      }
    } else await readInput(stdin, write, stdinFd);
    result = collapser.endSorted();
  } catch (e) {
    stderr.write(`collapse-perf: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await writeChunks(result.text, stdout);
  } catch (e) {
    stderr.write(`collapse-perf: ${(e as Error).message}\n`);
    return 1;
  }
  const { summary } = result;
  if (summary.unrecognizedLines > 0)
    stderr.write(
      `collapse-perf: ${summary.unrecognizedLines} line(s) not understood, the first: ${JSON.stringify(summary.firstUnrecognizedLine)}\n`,
    );
  if (summary.otherEventSamples > 0)
    stderr.write(
      `collapse-perf: ${summary.otherEventSamples} samples of events other than ${summary.event} left out\n`,
    );
  if (summary.limitNote) stderr.write(`collapse-perf: ${summary.limitNote}\n`);
  return 0;
};

/** The chunks, one at a time, each written before the next is made. */
async function writeChunks(
  chunks: Iterable<Uint8Array>,
  out: NodeJS.WritableStream,
): Promise<void> {
  // A failed write (a closed pipe) reaches the callback, then comes again as an 'error' event,
  // which unheard would end the process: heard here, for as long as the stream lives.
  if (out.listenerCount("error") === 0) out.on("error", () => {});
  for (const chunk of chunks) await write(out, chunk);
}

function write(out: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}
