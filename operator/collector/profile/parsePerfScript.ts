import { frameRest, PerfScriptReader } from "./perfScriptReader.js";
import type { SampleHeader } from "./sampleHeader.js";

export { parseSampleHeader } from "./sampleHeader.js";

/** One frame of a `perf script` call chain. */
export interface PerfFrame {
  address: string;
  /** Symbol without the +0x offset; "[unknown]" when perf could not resolve it. */
  symbol: string;
  /** The mapping: "[kernel.kallsyms]", a module "[nf_conntrack]", a file path, or "[unknown]". */
  dso: string;
}

export interface PerfSample extends SampleHeader {
  /** Leaf first, as perf prints them. */
  frames: PerfFrame[];
}

export interface ParsedPerfScript {
  samples: PerfSample[];
  /** Lines neither a sample header, a frame, blank, nor a comment. */
  unrecognizedLines: number;
  /** The first such line (cut to 200 characters), to show what was not understood. */
  firstUnrecognizedLine?: string;
}

/**
 * Parses `perf script` output of a `perf record -g` file, default or custom (`-F`) fields, into
 * sample objects. For output of any size, collapsePerfScript folds the stream instead.
 */
export function parsePerfScript(text: string): ParsedPerfScript {
  const samples: PerfSample[] = [];
  let current: PerfSample | undefined;
  const reader = new PerfScriptReader({
    sample(header) {
      current = { ...header, frames: [] };
      samples.push(current);
    },
    frame(bytes, _lineStart, addressStart, addressEnd, restStart, end) {
      const rest = frameRest(bytes, restStart, end);
      if (rest === undefined) return false;
      current?.frames.push(parseFrame(bytes.toString("latin1", addressStart, addressEnd), rest));
      return true;
    },
    endSample() {
      current = undefined;
    },
  });
  reader.write(text);
  reader.end();
  const out: ParsedPerfScript = { samples, unrecognizedLines: reader.unrecognizedLines };
  if (reader.firstUnrecognizedLine !== undefined)
    out.firstUnrecognizedLine = reader.firstUnrecognizedLine;
  return out;
}

/** "symbol+0x1f (dso)" (what follows the address on a frame line) -> symbol and dso. */
export function parseFrame(address: string, rest: string): PerfFrame {
  // The dso is the last parenthesised group; symbols may contain parentheses themselves.
  let symbol = rest.trim();
  let dso = "[unknown]";
  if (symbol.endsWith(")")) {
    const open = symbol.lastIndexOf(" (");
    if (open >= 0) {
      dso = symbol.slice(open + 2, -1);
      symbol = symbol.slice(0, open).trim();
    } else if (symbol.startsWith("(")) {
      // "7f1e2215d058  (/lib/libc.so)": no symbol at all.
      dso = symbol.slice(1, -1);
      symbol = "";
    }
  }
  symbol = symbol.replace(/\+0x[0-9a-fA-F]+$/, "");
  return { address, symbol: symbol === "" ? "[unknown]" : symbol, dso };
}
