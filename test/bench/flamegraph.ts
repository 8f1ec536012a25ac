import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { collapseStacks } from "../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../operator/collector/profile/parsePerfScript.js";
import { renderFlameGraph } from "../../operator/flamegraph/renderFlameGraph.js";
import { encodeCollapsed } from "../../operator/report/collapsedBlob.js";
import { median, roundTo } from "./stats.js";

export interface FlamegraphBench {
  samples: number;
  perfScriptMiB: number;
  runs: number;
  /** Medians in milliseconds. */
  parseMs: number;
  collapseMs: number;
  renderMs: number;
  encodeMs: number;
  /** parse + collapse + render. */
  totalMs: number;
  stacks: number;
  svgKiB: number;
  blobKiB: number;
}

const FIXTURE = new URL(
  "../../test/fixtures/profile/perf-script-node-synflood.txt",
  import.meta.url,
);

/**
 * Collapse + render time for `samples` perf samples: the real whole-node capture (305 samples,
 * kernel, Go, V8 stacks) repeated with distinct thread ids until it holds that many samples.
 */
export function benchFlamegraph(
  options: { samples?: number; runs?: number } = {},
): FlamegraphBench {
  const samples = options.samples ?? 100_000;
  const runs = options.runs ?? 3;
  const blocks = readFileSync(FIXTURE, "utf8")
    .split(/\n\n+/)
    .filter((b) => b.trim() !== "");
  const parts: string[] = [];
  for (let i = 0; i < samples; i++) {
    const block = blocks[i % blocks.length] ?? "";
    // Vary the comm per copy so the stacks do not all merge into the 305 originals.
    const copy = Math.floor(i / blocks.length) % 50;
    parts.push(copy === 0 ? block : block.replace(/^(\S+)/, `$1_${copy}`));
  }
  const text = `${parts.join("\n\n")}\n\n`;
  const times = {
    parse: [] as number[],
    collapse: [] as number[],
    render: [] as number[],
    encode: [] as number[],
  };
  let stacks = 0;
  let svgBytes = 0;
  let blobBytes = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const parsed = parsePerfScript(text);
    const t1 = performance.now();
    const collapsed = collapseStacks(parsed.samples);
    const t2 = performance.now();
    const svg = renderFlameGraph(collapsed);
    const t3 = performance.now();
    const blob = encodeCollapsed(collapsed);
    const t4 = performance.now();
    if (parsed.samples.length !== samples)
      throw new Error(`parsed ${parsed.samples.length} of ${samples} samples`);
    times.parse.push(t1 - t0);
    times.collapse.push(t2 - t1);
    times.render.push(t3 - t2);
    times.encode.push(t4 - t3);
    stacks = collapsed.size;
    svgBytes = svg.length;
    blobBytes = blob.data.length;
  }
  const mid = (xs: number[]) => round(median(xs) ?? 0);
  const parseMs = mid(times.parse);
  const collapseMs = mid(times.collapse);
  const renderMs = mid(times.render);
  return {
    samples,
    perfScriptMiB: round(text.length / 1024 / 1024),
    runs,
    parseMs,
    collapseMs,
    renderMs,
    encodeMs: mid(times.encode),
    totalMs: round(parseMs + collapseMs + renderMs),
    stacks,
    svgKiB: round(svgBytes / 1024),
    blobKiB: round(blobBytes / 1024),
  };
}

function round(x: number): number {
  return roundTo(x, 1) ?? 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(benchFlamegraph(), null, 2));
}
