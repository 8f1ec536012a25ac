/**
 * The flame graph path as whole processes, on one realistic input (flameGraphInput.ts): `perf
 * script` text -> collapsed stacks (diagnose-collector collapse-perf, the collector's own folding)
 * and collapsed stacks -> SVG (diagnose-collector flamegraph), the collector bundled to one file
 * as collectorBench.ts runs it; and, when set up (flameGraphPeers.ts), the peers on the same
 * input: inferno and flamegraph.pl. Wall time from spawn to exit and peak RSS (GNU time) per
 * run, the runs of every tool of a stage interleaved so that a busy moment hits them alike, after
 * one run each that is not counted (page cache, compile cache).
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { bundleCollector } from "../../hack/devtools.js";
import type { FlamegraphResult, PeersResult, ProcessRow } from "./benchResults.js";
import { writePerfScriptInput } from "./flameGraphInput.js";
import type { PeerSetup, PeerTool } from "./flameGraphPeers.js";
import { median, ratio, roundTo } from "./stats.js";
import { timedProcess } from "./timedProcess.js";

interface Tool extends PeerTool {
  ours: boolean;
  /** Render tools read the collapsed stacks on stdin rather than from a named file. */
  stdin?: boolean;
}

export async function benchFlamegraph(opts: {
  samples: number;
  runs: number;
  workDir: string;
  /** Peers to run on the same input; undefined: ours alone. */
  peers: PeerSetup | undefined;
  say: (line: string) => void;
  signal?: AbortSignal;
}): Promise<{ flamegraph: FlamegraphResult; peers?: PeersResult }> {
  const { workDir, say } = opts;
  const collector = join(workDir, "diagnose-collector.cjs");
  await bundleCollector(collector);
  const input = writePerfScriptInput(join(workDir, "perf-script.txt"), opts.samples);
  say(`perf script input: ${opts.samples} samples, ${mib(input.bytes)} MiB (${input.path})`);
  const collapsed = join(workDir, "collapsed.txt");
  const ours: Tool[] = [
    {
      name: "diagnose-collector collapse-perf",
      stage: "collapse",
      ours: true,
      argv: (file) => [process.execPath, collector, "collapse-perf", file],
    },
    {
      name: "diagnose-collector flamegraph",
      stage: "render",
      ours: true,
      stdin: true,
      argv: () => [process.execPath, collector, "flamegraph"],
    },
  ];
  const peers: Tool[] = (opts.peers?.tools ?? []).map((t) => ({ ...t, ours: false }));
  const rows = new Map<Tool, ProcessRow>();
  for (const stage of ["collapse", "render"] as const) {
    const tools = [...ours, ...peers].filter((t) => t.stage === stage);
    const walls = new Map<Tool, number[]>(tools.map((t) => [t, []]));
    const peaks = new Map<Tool, number>();
    const failed = new Map<Tool, string>();
    for (let run = 0; run <= opts.runs; run++) {
      for (const tool of tools) {
        opts.signal?.throwIfAborted();
        if (failed.has(tool)) continue;
        const file = stage === "collapse" ? input.path : collapsed;
        // Ours writes the collapsed stacks every stage after reads; the others' output is dropped.
        const out = tool.ours && stage === "collapse" ? collapsed : join(workDir, "out");
        const r = await timedProcess(tool.argv(file), {
          ...(tool.stdin ? { stdin: file } : {}),
          stdout: tool.ours && stage === "render" ? join(workDir, "ours.svg") : out,
          timeoutMs: 600_000,
        });
        if (r.exitCode !== 0) {
          failed.set(tool, `exit ${r.exitCode}: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
          say(`${stage}: ${tool.name} FAILED ${failed.get(tool)}`);
          continue;
        }
        const counted = run > 0;
        say(
          `${stage}: ${tool.name} ${Math.round(r.wallMs)} ms, ${mib(r.peakRssBytes ?? 0)} MiB${counted ? "" : " (warm-up, not counted)"}`,
        );
        if (!counted) continue;
        walls.get(tool)!.push(r.wallMs);
        peaks.set(tool, Math.max(peaks.get(tool) ?? 0, r.peakRssBytes ?? 0));
      }
    }
    for (const tool of tools) {
      const wall = median(walls.get(tool)!);
      const row: ProcessRow = {
        tool: tool.name,
        stage,
        runs: walls.get(tool)!.length,
        wallMs: wall === null ? null : Math.round(wall),
        peakRssBytes: peaks.get(tool) || null,
        ratio: null,
        rssRatio: null,
      };
      const error = failed.get(tool);
      if (error) row.error = error;
      rows.set(tool, row);
    }
  }
  // Every row of a stage against inferno's.
  for (const stage of ["collapse", "render"] as const) {
    const inferno = [...rows.values()].find(
      (r) => r.stage === stage && r.tool.startsWith("inferno"),
    );
    if (!inferno) continue;
    for (const row of rows.values()) {
      if (row.stage !== stage) continue;
      row.ratio = ratio(row.wallMs, inferno.wallMs);
      row.rssRatio = ratio(row.peakRssBytes, inferno.peakRssBytes);
    }
  }
  const ourRows = ours.map((t) => rows.get(t)!);
  const flamegraph: FlamegraphResult = {
    samples: input.samples,
    perfScriptMiB: mib(input.bytes),
    ms: ourRows.every((r) => r.wallMs !== null)
      ? ourRows.reduce((s, r) => s + (r.wallMs ?? 0), 0)
      : null,
    stacks: countLines(collapsed),
    svgKiB: sizeKiB(join(workDir, "ours.svg")),
    rows: ourRows,
  };
  if (!opts.peers) return { flamegraph };
  return {
    flamegraph,
    peers: { rows: peers.map((t) => rows.get(t)!), skipped: opts.peers.skipped },
  };
}

function mib(bytes: number): number {
  return roundTo(bytes / 2 ** 20, 1) ?? 0;
}

function countLines(path: string): number | null {
  try {
    const text = readFileSync(path, "utf8");
    return text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  } catch {
    return null;
  }
}

function sizeKiB(path: string): number | null {
  try {
    return roundTo(statSync(path).size / 1024, 1);
  } catch {
    return null;
  }
}
