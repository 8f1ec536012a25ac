import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { expect } from "chai";
import { analyzeProfile } from "../../../../operator/analysis/profileRules.js";
import {
  collapsePerfScript,
  PerfScriptCollapser,
} from "../../../../operator/collector/profile/collapsePerfScript.js";
import { collapseSamples } from "../../../../operator/collector/profile/collapseStacks.js";
import {
  type ParsedPerfScript,
  type PerfSample,
  parseFrame,
  parsePerfScript,
} from "../../../../operator/collector/profile/parsePerfScript.js";
import { profileEvidence } from "../../../../operator/collector/profile/profileCheck.js";
import { runCollapseCommand } from "../../../../operator/collector/profile/runCollapseCommand.js";
import {
  MERGED_STACKS_FRAME,
  StackFolder,
} from "../../../../operator/collector/profile/stackFolder.js";
import { formatCollapsed } from "../../../../operator/report/collapsedText.js";

const dir = new URL("../../../fixtures/profile/", import.meta.url).pathname;
const FIXTURES = readdirSync(dir).filter((f) =>
  /^(perf-script|inferno|flamegraph)-.*\.txt$/.test(f),
);
const read = (name: string) => readFileSync(join(dir, name), "utf8");

/**
 * The line reader this module had before the streaming one (split on "\n", a regular expression
 * per line), kept as the reference the streaming reader must agree with, line for line. A frame's
 * "symbol (dso)" is split by the product's parseFrame: the streaming rewrite did not touch it.
 */
function regexParse(text: string): ParsedPerfScript {
  const FRAME = /^\s+([0-9a-fA-F]{1,16})\s+(.*)$/;
  const PID_TID = /^(\d{1,10})(?:\/(\d{1,10}))?$/;
  const CPU = /^\[(\d{1,6})\]$/;
  const TIME = /^\d{1,12}\.\d{1,9}:$/;
  const PERIOD = /^\d{1,20}$/;
  const header = (line: string): Omit<PerfSample, "frames"> | undefined => {
    const tokens = line.trim().split(/\s+/);
    let end = tokens.length;
    let event: string | undefined;
    const last = tokens[end - 1] ?? "";
    if (last.endsWith(":") && !TIME.test(last)) {
      event = last.slice(0, -1);
      end--;
    }
    let period: number | undefined;
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
    const h: Omit<PerfSample, "frames"> = { comm, tid: Number(ids[2] ?? ids[1]) };
    if (ids[2] !== undefined) h.pid = Number(ids[1]);
    if (cpu !== undefined) h.cpu = cpu;
    if (event) h.event = event;
    if (period !== undefined) h.period = period;
    return h;
  };
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
    if (line.length > 16 * 1024) {
      unrecognized(line);
      continue;
    }
    if (!/^\s/.test(line)) {
      const h = header(line);
      if (!h) {
        unrecognized(line);
        current = undefined;
        continue;
      }
      current = { ...h, frames: [] };
      samples.push(current);
      continue;
    }
    const f = current ? FRAME.exec(line) : null;
    if (!current || !f) {
      unrecognized(line);
      continue;
    }
    if (current.frames.length < 1024) current.frames.push(parseFrame(f[1] ?? "", f[2] ?? ""));
  }
  const out: ParsedPerfScript = { samples, unrecognizedLines };
  if (firstUnrecognizedLine !== undefined) out.firstUnrecognizedLine = firstUnrecognizedLine;
  return out;
}

/** Lines perf never prints but a hostile or broken input may hold (written for this test). */
const ODD_LINES = [
  "# a comment, then a sample whose comm has two spaces",
  "my  app 7/8 [001] 12.5: 100 cycles:u:",
  "\tffffffff81000000 do_syscall_64+0x5 ([kernel.kallsyms])",
  "\t7f00 caf\u00e9::r\u00e9sum\u00e9+0x1 (/opt/\u65e5\u672c/lib.so)",
  "\u00a0\u00a07f01 nbsp_indented (/a.so)",
  "\t7f02 with_cr (/a.so)\r",
  "\t7f03 line\u2028sep (/a.so)",
  "\t11111111111111111 seventeen_hex_digits (/a.so)",
  "\t7f04x not_hex_then_space (/a.so)",
  "\t7f05",
  "\t7f06 ",
  "\t7f07  (/lib/libc.so)",
  "\t7f08 Go.(*T).Method+0x10 (/bin/go)",
  "\t7f09 semi;colon (/a.so)",
  "\t7f0a a->b->c (/tmp/perf-42.map)",
  "   \t  ",
  "\t7f0b frame_without_a_sample (/a.so)",
  "not a header at all",
  "\t7f0c after_a_bad_header (/a.so)",
  "dd 24037/24037    5025125 cpu-clock:ppp: ",
  "\t7f0d x (/a.so)",
  `${"x".repeat(20_000)}`,
  "\t7f0e still_in_the_sample_after_an_overlong_line (/a.so)",
  `  ${" ".repeat(20_000)}`,
  "\t7f0f after_an_overlong_blank_line (/a.so)",
  `# ${"c".repeat(20_000)}`,
  "java 25607 4794564.109216: cycles:",
  "\t7f10 Interpreter ([unknown])",
  "",
  "a;b 1/2 [003] 1.000000001: 5 cycles:",
  "\t7f11 [unknown] ([unknown])",
].join("\n");

/** Every chunking of the UTF-8 bytes, at the given sizes. */
function chunked(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function streamed(text: string, size: number) {
  const c = new PerfScriptCollapser();
  for (const chunk of chunked(text, size)) c.write(chunk);
  return c.end();
}

const entries = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

describe("the streaming perf script reader", () => {
  it("reads every fixture and the odd lines exactly as the split-and-regex reader did", () => {
    for (const text of [...FIXTURES.map(read), ODD_LINES]) {
      const want = regexParse(text);
      expect(parsePerfScript(text)).to.deep.equal(want);
    }
    // The odd lines do hit every branch: samples, frames refused, overlong and comment lines.
    const odd = parsePerfScript(ODD_LINES);
    expect(odd.samples.map((s) => s.comm)).to.deep.equal(["my app", "dd", "java", "a;b"]);
    expect(odd.samples[0]!.frames.map((f) => f.symbol)).to.deep.equal([
      "do_syscall_64",
      "caf\u00e9::r\u00e9sum\u00e9",
      "nbsp_indented",
      "[unknown]",
      "[unknown]",
      "Go.(*T).Method",
      "semi;colon",
      "a->b->c",
    ]);
    expect(odd.unrecognizedLines).to.equal(10);
    expect(odd.firstUnrecognizedLine).to.equal("\t7f02 with_cr (/a.so)\r");
  });

  it("reads a header like one before but for its time stamp as the split-and-regex reader did", () => {
    // Headers the reader finds again by their bytes but the time (written for this test).
    const headers = [
      "thread 1/2 [003] 100.000001: 5 cycles:",
      "thread 1/2 [003] 100.000002: 5 cycles:",
      "thread 1/2 [003] 1000.5: 5 cycles:",
      "thread 1/2 [003] 1000.5: 7 cycles:",
      "thread 1/2 [003] 100.x00002: 5 cycles:",
      "thread 1/2 [003] 1234567890123.5: 5 cycles:",
      "thread 1/2 [003] 100.0000000001: 5 cycles:",
      "thread 1/2 [003] 100.:",
      "thread 1/2 [003] 100.000003:",
      "thread 1/2 [003] 100.000004:",
      "thread 1/2 [003] 100.000004: 9",
      "thread 1/2 [003] 100.000004 9 cycles:",
      "a 1.5: b 7/8 [001] 12.5: 100 cycles:",
      "a 1.5: b 7/8 [001] 13.5: 100 cycles:",
      "a 2.5: b 7/8 [001] 12.5: 100 cycles:",
      "a\u00e9 1/2 [003] 100.000001: 5 cycles:",
      "a\u00e9 1/2 [003] 100.000002: 5 cycles:",
    ];
    const text = headers.map((h, i) => `${h}\n\t7f0${i % 10} f${i} (/a.so)\n`).join("\n");
    const want = regexParse(text);
    expect(parsePerfScript(text)).to.deep.equal(want);
    expect(want.samples.length).to.be.greaterThan(10);
    for (const size of [3, 50, 4096]) {
      expect(entries(streamed(text, size).stacks)).to.deep.equal(
        entries(collapseSamples(want.samples).stacks),
      );
    }
  });

  it("folds a stream cut anywhere (inside UTF-8 characters too) to the stacks of parse + collapse", () => {
    for (const name of FIXTURES) {
      const text = read(name);
      const parsed = parsePerfScript(text);
      const want = collapseSamples(parsed.samples);
      for (const size of [1, 3, 64, 4093, 1 << 20]) {
        const got = streamed(text, size);
        expect(entries(got.stacks), `${name} in ${size}-byte chunks`).to.deep.equal(
          entries(want.stacks),
        );
        expect(got).to.deep.include({
          samples: want.samples,
          otherEventSamples: want.otherEventSamples,
          weighting: want.weighting,
          unrecognizedLines: parsed.unrecognizedLines,
        });
        expect(got.event).to.equal(want.event);
      }
    }
    const parsed = regexParse(ODD_LINES);
    for (const size of [1, 2, 5, 17, 4096]) {
      const got = streamed(ODD_LINES, size);
      expect(entries(got.stacks), `odd lines in ${size}-byte chunks`).to.deep.equal(
        entries(collapseSamples(parsed.samples).stacks),
      );
      expect(got.unrecognizedLines).to.equal(parsed.unrecognizedLines);
      expect(got.firstUnrecognizedLine).to.equal(parsed.firstUnrecognizedLine);
    }
  });

  it("folds call chains and frame lines seen before as the first time, at every offset in every chunk size", () => {
    // The bench's input in small: every sample again under other comms (so its frame lines and
    // its whole call chain come back, at other byte offsets), odd lines and another event's
    // samples between, the stream cut at sizes that put lines and chains across chunks.
    const samples = [...FIXTURES.map(read), ODD_LINES]
      .join("\n\n")
      .split(/\n\n+/)
      .filter((b) => b.trim() !== "");
    const copies: string[] = [];
    for (let copy = 0; copy < 3; copy++)
      for (const [i, sample] of samples.entries()) {
        copies.push(copy === 0 ? sample : sample.replace(/^(\S+)/, `$1_${copy}`));
        if (i % 7 === 3)
          copies.push(`other ${copy}/${i} [000] 1.5: 7 other-event:\n\t7f00 x (/a.so)`);
      }
    const text = `${copies.join("\n\n")}\n`;
    const parsed = regexParse(text);
    const want = collapseSamples(parsed.samples);
    for (const size of [7, 64, 997, 4096, 65536, 1 << 22]) {
      const got = streamed(text, size);
      expect(entries(got.stacks), `${size}-byte chunks`).to.deep.equal(entries(want.stacks));
      expect(got).to.deep.include({
        samples: want.samples,
        otherEventSamples: want.otherEventSamples,
        unrecognizedLines: parsed.unrecognizedLines,
      });
      expect(got.firstUnrecognizedLine).to.equal(parsed.firstUnrecognizedLine);
    }
  });

  it("keeps no more of a line without end than it needs to name it (10 MiB in 64 KiB chunks)", () => {
    const c = new PerfScriptCollapser();
    c.write("busy 1/1 [000] 1.000001: 1 cpu-clock:\n\t1190 leaf (/busy)\n\n");
    const line = Buffer.alloc(10 * 1024 * 1024, "y");
    for (let i = 0; i < line.length; i += 65536) c.write(line.subarray(i, i + 65536));
    c.write("\nbusy 1/1 [000] 1.000002: 1 cpu-clock:\n\t1190 leaf (/busy)\n");
    const r = c.end();
    expect(r.unrecognizedLines).to.equal(1);
    expect(r.firstUnrecognizedLine).to.equal("y".repeat(200));
    expect(entries(r.stacks)).to.deep.equal([["busy;leaf", 2]]);
  });

  it("weighs by period with the median period for samples without one, as collapseSamples", () => {
    const text = read("perf-script-dd-F-comm-pid-tid-period-event-ip-sym-dso.txt");
    const minimal = read("perf-script-dd-F-comm-tid-ip-sym-dso.txt");
    const both = `${text}\n${minimal}`;
    const want = collapseSamples(parsePerfScript(both).samples, { weighting: "period" });
    const got = collapsePerfScript(both, { weighting: "period" });
    expect(entries(got.stacks)).to.deep.equal(entries(want.stacks));
    const sum = [...got.stacks.values()].reduce((a, b) => a + b, 0);
    expect(sum).to.equal(144 * 5025125);
  });
});

describe("StackFolder", () => {
  const sample = (folder: StackFolder, comm: string, frames: string[][]) => {
    folder.begin({ comm, tid: 1 });
    for (const f of frames) folder.frame(f.map((n) => folder.nameId(n)));
    folder.end();
  };

  it("walks the tree in the order of the sorted text, names that prefix others included", () => {
    const folder = new StackFolder();
    const names = ["a", "a1", "a-b", "a_", "b", "A", "a\u00e9", ""];
    for (const x of names) for (const y of names) sample(folder, "p", [[y], [x]]);
    sample(folder, "p", [["a"]]);
    sample(folder, "p", []);
    sample(folder, "p", [["a1"]]);
    const text = Buffer.concat([...folder.sortedText()!]).toString("utf8");
    expect(text).to.equal(formatCollapsed(folder.result().stacks));
    expect(text.split("\n").length - 1).to.equal(names.length ** 2 + 3);
  });

  it("gives no tree order when a name holds ';' (two paths may print as one stack)", () => {
    const folder = new StackFolder();
    sample(folder, "a;b", [["c"]]);
    sample(folder, "a", [["c"], ["b"]]);
    expect(folder.sortedText()).to.equal(undefined);
    expect(entries(folder.result().stacks)).to.deep.equal([["a;b;c", 2]]);
  });

  it("cuts stacks at maxNodes and merges the lightest past maxStacks, keeping every sample's weight, and says so", () => {
    // Node 0 is above the roots: p, a, b and c fill 5.
    const cut = new StackFolder({}, { maxNodes: 5 });
    sample(cut, "p", [["c"], ["b"], ["a"]]);
    sample(cut, "p", [["d"], ["b"], ["a"]]);
    const r = cut.result();
    expect(entries(r.stacks)).to.deep.equal([
      ["p;a;b", 1],
      ["p;a;b;c", 1],
    ]);
    expect(r.limitNote).to.match(/1 samples' stacks cut short \(0 left out\) at 5 distinct/);

    const merged = new StackFolder({}, { maxStacks: 2 });
    for (let i = 0; i < 5; i++) sample(merged, "p", [["hot"]]);
    for (let i = 0; i < 3; i++) sample(merged, "q", [["warm"]]);
    sample(merged, "p", [["cold1"]]);
    sample(merged, "p", [["cold2"]]);
    sample(merged, "q", [["cold3"]]);
    const m = merged.result();
    expect(entries(m.stacks)).to.deep.equal([
      [`p;${MERGED_STACKS_FRAME}`, 2],
      ["p;hot", 5],
      [`q;${MERGED_STACKS_FRAME}`, 1],
      ["q;warm", 3],
    ]);
    expect(m.samples).to.equal(11);
    expect(m.limitNote).to.include("the 3 lightest of 5 distinct stacks (27.3% of the samples)");
  });
});

describe("a capped profile in the evidence", () => {
  it("says in the hot-frames finding what the collapse limits cut", () => {
    const text = read("perf-script-user-busy.txt");
    const collapse = collapsePerfScript(text, {}, { maxNodes: 4 });
    const data = profileEvidence(collapse, { mode: "pid", pids: [1], seconds: 1, frequency: 199 });
    expect(data.collapseLimitNote).to.match(
      /^collapse limits reached: \d+ samples' stacks cut short/,
    );
    const [hot] = analyzeProfile(data);
    expect(hot!.code).to.equal("ProfileHotFrames");
    expect(hot!.summary).to.include(data.collapseLimitNote!);
    expect(data.samples).to.equal(parsePerfScript(text).samples.length);
  });
});

describe("diagnose-collector collapse-perf", () => {
  const collect = () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
  };

  it("prints the sorted folded text of a file or stdin, what was not understood on stderr", async () => {
    const name = "perf-script-node-synflood.txt";
    const want = formatCollapsed(collapseSamples(parsePerfScript(read(name)).samples).stacks);
    const fromFile = collect();
    expect(
      await runCollapseCommand([join(dir, name)], Readable.from([]), fromFile.stream),
    ).to.equal(0);
    expect(fromFile.text()).to.equal(want);
    const fromStdin = collect();
    const err = collect();
    const input = Readable.from(chunked(ODD_LINES, 100));
    expect(await runCollapseCommand(["--pid"], input, fromStdin.stream, err.stream)).to.equal(0);
    expect(fromStdin.text()).to.equal(
      formatCollapsed(collapseSamples(regexParse(ODD_LINES).samples, { includePid: true }).stacks),
    );
    expect(err.text()).to.match(/^collapse-perf: 10 line\(s\) not understood, the first: /);
    expect(err.text()).to.include("samples of events other than cycles:u left out");
  });

  it("says what is wrong with its arguments or its file", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "dgn-collapse-"));
    try {
      writeFileSync(join(tmp, "empty.txt"), "");
      expect(
        await runCollapseCommand([join(tmp, "empty.txt")], Readable.from([]), collect().stream),
      ).to.equal(0);
      const err = collect();
      expect(
        await runCollapseCommand(
          [join(tmp, "missing")],
          Readable.from([]),
          collect().stream,
          err.stream,
        ),
      ).to.equal(1);
      expect(err.text()).to.match(/^collapse-perf: ENOENT/);
      const usage = collect();
      expect(
        await runCollapseCommand(["--bogus"], Readable.from([]), collect().stream, usage.stream),
      ).to.equal(2);
      expect(usage.text()).to.include("unknown argument --bogus");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
