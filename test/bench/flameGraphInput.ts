/**
 * The flame graph benchmarks' input: `perf script` text of about 100,000 samples, the real
 * whole-node capture (test/fixtures/profile/perf-script-node-synflood.txt: 305 samples of kernel,
 * Go and V8 stacks) repeated with one of 50 comm suffixes per copy, so that the stacks do not all
 * merge into the 305 originals (some 15,000 distinct stacks, 229 MiB at 100,000 samples).
 */
import { readFileSync, writeFileSync } from "node:fs";

const FIXTURE = new URL("../fixtures/profile/perf-script-node-synflood.txt", import.meta.url);

export interface PerfScriptInput {
  path: string;
  samples: number;
  bytes: number;
}

export function writePerfScriptInput(path: string, samples: number): PerfScriptInput {
  const blocks = readFileSync(FIXTURE, "utf8")
    .split(/\n\n+/)
    .filter((b) => b.trim() !== "");
  const parts: string[] = [];
  for (let i = 0; i < samples; i++) {
    const block = blocks[i % blocks.length] ?? "";
    const copy = Math.floor(i / blocks.length) % 50;
    parts.push(copy === 0 ? block : block.replace(/^(\S+)/, `$1_${copy}`));
  }
  const text = `${parts.join("\n\n")}\n\n`;
  writeFileSync(path, text);
  return { path, samples, bytes: Buffer.byteLength(text) };
}
