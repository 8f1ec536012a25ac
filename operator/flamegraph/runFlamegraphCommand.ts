import { readFile } from "node:fs/promises";
import { decodeCollapsed } from "../report/collapsedBlob.js";
import { parseCollapsed } from "../report/collapsedText.js";
import { weightingSubtitle } from "../report/stackWeighting.js";
import { renderDiffFlameGraph, renderFlameGraph } from "./renderFlameGraph.js";

const USAGE = `usage:
  diagnose-collector flamegraph [--title T] [--width PX] < collapsed.txt > out.svg
  diagnose-collector flamegraph --report report.json > out.svg
  diagnose-collector flamegraph --diff before.txt after.txt > diff.svg
Collapsed input is the folded format of stackcollapse-perf.pl ("frame;frame;leaf count").`;

/**
 * `diagnose-collector flamegraph`: renders collapsed stacks (stdin, a saved JSON report's
 * profile check, or two files to compare) as an SVG on stdout. Returns the exit code.
 */
export async function runFlamegraphCommand(
  argv: readonly string[],
  stdin: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
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
    let svg: string;
    if (args.diff) {
      const [before, after] = await Promise.all(args.diff.map((f) => readFile(f, "utf8")));
      svg = renderDiffFlameGraph(parseCollapsed(before ?? ""), parseCollapsed(after ?? ""), opts);
    } else {
      const fromReport = args.report
        ? profileBlobFromReport(await readFile(args.report, "utf8"))
        : undefined;
      const text = fromReport ? decodeCollapsed(fromReport) : await readAll(stdin);
      const stacks = parseCollapsed(text);
      if (stacks.size === 0) throw new Error("no collapsed stacks in the input");
      svg = renderFlameGraph(stacks, {
        ...opts,
        // What the input's counts are is known only for our own reports.
        ...(fromReport
          ? { subtitle: weightingSubtitle(fromReport.weighting, fromReport.event) }
          : {}),
      });
    }
    await new Promise<void>((resolve, reject) =>
      stdout.write(svg, (err) => (err ? reject(err) : resolve())),
    );
    return 0;
  } catch (e) {
    stderr.write(`flamegraph: ${(e as Error).message}\n`);
    return 1;
  }
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

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
