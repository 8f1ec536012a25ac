import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { decodeCollapsed } from "../report/collapsedBlob.js";
import { weightingSubtitle } from "../report/stackWeighting.js";
import { FrameTreeBuilder } from "./buildFrameTree.js";
import { CollapsedTextReader } from "./collapsedTextReader.js";
import { type InputStream, readInput } from "./readInputSync.js";
import { diffFlameGraphChunks, flameGraphChunks, writeChunks } from "./renderFlameGraph.js";
import type { StreamCommand } from "./streamCommand.js";

const USAGE = `usage:
  diagnose-collector flamegraph [--title T] [--width PX] < collapsed.txt > out.svg
  diagnose-collector flamegraph --report report.json > out.svg
  diagnose-collector flamegraph --diff before.txt after.txt > diff.svg
Collapsed input is the folded format of stackcollapse-perf.pl ("frame;frame;leaf count").`;

/**
 * `diagnose-collector flamegraph`: renders collapsed stacks (stdin, a saved JSON report's
 * profile check, or two files to compare) as an SVG on stdout, read into the frame tree as they
 * arrive and written in chunks. Returns the exit code.
 */
export const runFlamegraphCommand: StreamCommand = async (
  argv,
  stdin,
  stdout,
  stderr = process.stderr,
  stdinFd,
) => {
  let args: FlamegraphArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const opts = {
      ...(args.title ? { title: args.title } : {}),
      ...(args.width ? { width: args.width } : {}),
    };
    let chunks: Iterable<string>;
    if (args.diff) {
      const [beforeFile, afterFile] = args.diff;
      const builder = new FrameTreeBuilder();
      await readInto(
        () => createReadStream(afterFile),
        (stack, n) => builder.add(stack, n),
      );
      await readInto(
        () => createReadStream(beforeFile),
        (stack, n) => builder.add(stack, n, "base"),
      );
      const { value, base } = builder.totals;
      chunks = diffFlameGraphChunks(builder.finish(base > 0 ? value / base : 1), opts);
    } else {
      const fromReport = args.report
        ? profileBlobFromReport(await readFile(args.report, "utf8"))
        : undefined;
      const builder = new FrameTreeBuilder();
      const add = (stack: string, n: number) => builder.add(stack, n);
      const stacks = fromReport
        ? readText(decodeCollapsed(fromReport), add)
        : await readInto(stdin, add, stdinFd);
      if (stacks === 0) throw new Error("no collapsed stacks in the input");
      chunks = flameGraphChunks(builder.finish(), {
        ...opts,
        // What the input's counts are is known only for our own reports.
        ...(fromReport
          ? { subtitle: weightingSubtitle(fromReport.weighting, fromReport.event) }
          : {}),
      });
    }
    await writeChunks(chunks, stdout);
    return 0;
  } catch (e) {
    stderr.write(`flamegraph: ${(e as Error).message}\n`);
    return 1;
  }
};

/** Collapsed text from a stream into onStack, a chunk at a time; the number of stacks read. */
async function readInto(
  input: InputStream,
  onStack: (stack: string, count: number) => void,
  fd?: number,
): Promise<number> {
  const reader = new CollapsedTextReader(onStack);
  await readInput(input, (chunk) => reader.write(chunk), fd);
  reader.end();
  return reader.stacks;
}

function readText(text: string, onStack: (stack: string, count: number) => void): number {
  const reader = new CollapsedTextReader(onStack);
  reader.write(text);
  reader.end();
  return reader.stacks;
}

interface FlamegraphArgs {
  report?: string;
  diff?: [string, string];
  title?: string;
  width?: number;
  help?: boolean;
}

function parseArgs(argv: readonly string[]): FlamegraphArgs {
  const out: FlamegraphArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--report") out.report = value();
    else if (a === "--title") out.title = value();
    else if (a === "--width") {
      out.width = Number(value());
      if (!Number.isInteger(out.width) || out.width < 200)
        throw new Error("--width must be an integer >= 200");
    } else if (a === "--diff") out.diff = [value(), value()];
    else if (a === "-h" || a === "--help") out.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (out.report && out.diff) throw new Error("--report and --diff exclude each other");
  return out;
}

/** The profile check's collapsed stacks from a CollectorReport (or a Diagnosis status.report). */
export function collapsedFromReport(json: string): string {
  return decodeCollapsed(profileBlobFromReport(json));
}

function profileBlobFromReport(json: string): {
  encoding: "gzip+base64";
  data: string;
  weighting?: "samples" | "period";
  event?: string;
} {
  const doc = JSON.parse(json) as Record<string, unknown>;
  const report = (
    isRecord(doc.status) && isRecord(doc.status.report) ? doc.status.report : doc
  ) as {
    checks?: { profile?: { status?: string; reason?: string; data?: { collapsed?: unknown } } };
  };
  const profile = report.checks?.profile;
  if (!profile)
    throw new Error("the report has no profile check (run the collector with --profile-seconds)");
  if (profile.status !== "ok")
    throw new Error(`the profile check was ${profile.status}: ${profile.reason ?? ""}`);
  const blob = profile.data?.collapsed;
  if (!isRecord(blob) || typeof blob.data !== "string" || blob.encoding !== "gzip+base64")
    throw new Error("the profile check has no gzip+base64 collapsed stacks");
  return {
    encoding: "gzip+base64",
    data: blob.data,
    ...(blob.weighting === "period" || blob.weighting === "samples"
      ? { weighting: blob.weighting }
      : {}),
    ...(typeof blob.event === "string" ? { event: blob.event.slice(0, 64) } : {}),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}
