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
  /** Events (or nanoseconds for cpu-clock) this sample stands for, when perf prints the period. */
  period?: number;
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

/** perf's default --max-stack is 127; a longer chain is hostile or broken input. */
const MAX_FRAMES_PER_SAMPLE = 1024;
const MAX_LINE_CHARS = 16 * 1024;

const FRAME = /^\s+([0-9a-fA-F]{1,16})\s+(.*)$/;
const PID_TID = /^(\d{1,10})(?:\/(\d{1,10}))?$/;
const CPU = /^\[(\d{1,6})\]$/;
const TIME = /^\d{1,12}\.\d{1,9}:$/;
const PERIOD = /^\d{1,20}$/;

/**
 * A sample header, whichever fields `perf script -F` printed: "comm pid/tid [cpu] time: period
 * event:" in the default layout; any of cpu, time, period and event may be missing. The comm may
 * hold spaces, so the line is read from its end.
 */
export function parseSampleHeader(line: string): Omit<PerfSample, "frames"> | undefined {
  const tokens = line.trim().split(/\s+/);
  let end = tokens.length;
  let event: string | undefined;
  const last = tokens[end - 1] ?? "";
  if (last.endsWith(":") && !TIME.test(last)) {
    event = last.slice(0, -1);
    end--;
  }
  let period: number | undefined;
  // "comm 12 34 event:": 34 is the period only when 12 can be the pid.
  if (
    end >= 3 &&
    PERIOD.test(tokens[end - 1]!) &&
    (TIME.test(tokens[end - 2]!) || CPU.test(tokens[end - 2]!) || PID_TID.test(tokens[end - 2]!))
  ) {
    period = Number(tokens[end - 1]);
    end--;
  }
  if (end >= 2 && TIME.test(tokens[end - 1]!)) end--;
  let cpu: number | undefined;
  const cpuMatch = end >= 2 ? CPU.exec(tokens[end - 1]!) : null;
  if (cpuMatch) {
    cpu = Number(cpuMatch[1]);
    end--;
  }
  const ids = end >= 2 ? PID_TID.exec(tokens[end - 1]!) : null;
  if (!ids) return undefined;
  end--;
  const comm = tokens.slice(0, end).join(" ");
  if (comm === "") return undefined;
  const header: Omit<PerfSample, "frames"> = {
    comm,
    tid: Number(ids[2] ?? ids[1]),
  };
  if (ids[2] !== undefined) header.pid = Number(ids[1]);
  if (cpu !== undefined) header.cpu = cpu;
  if (event) header.event = event;
  if (period !== undefined) header.period = period;
  return header;
}

/** Parses `perf script` output of a `perf record -g` file, default or custom (`-F`) fields. */
export function parsePerfScript(text: string): ParsedPerfScript {
  const samples: PerfSample[] = [];
  let current: PerfSample | undefined;
  let unrecognizedLines = 0;
  let firstUnrecognizedLine: string | undefined;
  const unrecognized = (line: string) => {
    unrecognizedLines++;
    firstUnrecognizedLine ??= line.slice(0, 200);
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      current = undefined;
      continue;
    }
    if (line.startsWith("#")) continue;
    if (line.length > MAX_LINE_CHARS) {
      unrecognized(line);
      continue;
    }
    if (!/^\s/.test(line)) {
      const header = parseSampleHeader(line);
      if (!header) {
        unrecognized(line);
        current = undefined;
        continue;
      }
      current = { ...header, frames: [] };
      samples.push(current);
      continue;
    }
    const f = current ? FRAME.exec(line) : null;
    if (!current || !f) {
      unrecognized(line);
      continue;
    }
    if (current.frames.length < MAX_FRAMES_PER_SAMPLE)
      current.frames.push(parseFrame(f[1] ?? "", f[2] ?? ""));
  }
  const out: ParsedPerfScript = { samples, unrecognizedLines };
  if (firstUnrecognizedLine !== undefined) out.firstUnrecognizedLine = firstUnrecognizedLine;
  return out;
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
    } else if (symbol.startsWith("(")) {
      // "7f1e2215d058  (/lib/libc.so)": no symbol at all.
      dso = symbol.slice(1, -1);
      symbol = "";
    }
  }
  symbol = symbol.replace(/\+0x[0-9a-fA-F]+$/, "");
  return { address, symbol: symbol === "" ? "[unknown]" : symbol, dso };
}
