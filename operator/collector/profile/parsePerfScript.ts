/** One frame of a `perf script` call chain. */
export interface PerfFrame {
  address: string;
  /** Symbol without the +0x offset; "[unknown]" when perf could not resolve it. */
  symbol: string;
  /** The mapping: "[kernel.kallsyms]", a module "[nf_conntrack]", a file path, or "[unknown]". */
  dso: string;
}

export interface PerfSample {
  comm: string;
  /** Present when perf script prints "pid/tid". */
  pid?: number;
  tid: number;
  cpu?: number;
  event?: string;
  /** Leaf first, as perf prints them. */
  frames: PerfFrame[];
}

export interface ParsedPerfScript {
  samples: PerfSample[];
  /** Lines neither a sample header, a frame, blank, nor a comment. */
  unrecognizedLines: number;
}

// "comm 123 [000] 1.2: 10101 cpu-clock:ppp:", "comm 12/34 1.2: cycles:", comm may contain spaces.
const HEADER =
  /^(\S(?:.*?\S)?)\s+(\d+)(?:\/(\d+))?\s+(?:\[(\d+)\]\s+)?\d+\.\d+:\s*(?:\d+\s+)?([^\s:]+(?::[^\s:]+)*)?:?/;
const FRAME = /^\s+([0-9a-fA-F]+)\s+(.*)$/;

/** Parses the default `perf script` output of a `perf record -g` file. */
export function parsePerfScript(text: string): ParsedPerfScript {
  const samples: PerfSample[] = [];
  let current: PerfSample | undefined;
  let unrecognizedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      current = undefined;
      continue;
    }
    if (line.startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      const m = HEADER.exec(line);
      if (!m) {
        unrecognizedLines++;
        current = undefined;
        continue;
      }
      const first = Number(m[2]);
      current = { comm: m[1] ?? "", tid: m[3] !== undefined ? Number(m[3]) : first, frames: [] };
      if (m[3] !== undefined) current.pid = first;
      if (m[4] !== undefined) current.cpu = Number(m[4]);
      if (m[5]) current.event = m[5];
      samples.push(current);
      continue;
    }
    const f = current ? FRAME.exec(line) : null;
    if (!current || !f) {
      unrecognizedLines++;
      continue;
    }
    current.frames.push(parseFrame(f[1] ?? "", f[2] ?? ""));
  }
  return { samples, unrecognizedLines };
}

function parseFrame(address: string, rest: string): PerfFrame {
  // The dso is the last parenthesised group; symbols may contain parentheses themselves.
  let symbol = rest.trim();
  let dso = "[unknown]";
  if (symbol.endsWith(")")) {
    const open = symbol.lastIndexOf(" (");
    if (open >= 0) {
      dso = symbol.slice(open + 2, -1);
      symbol = symbol.slice(0, open).trim();
    }
  }
  symbol = symbol.replace(/\+0x[0-9a-fA-F]+$/, "");
  return { address, symbol: symbol === "" ? "[unknown]" : symbol, dso };
}
