import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { expect } from "chai";
import { collapseStacks } from "../../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../../operator/collector/profile/parsePerfScript.js";
import { buildFrameTree, FrameTreeBuilder } from "../../../operator/flamegraph/buildFrameTree.js";
import { CollapsedTextReader } from "../../../operator/flamegraph/collapsedTextReader.js";
import {
  diffFlameGraphChunks,
  flameGraphChunks,
  renderDiffFlameGraph,
  renderFlameGraph,
  writeChunks,
} from "../../../operator/flamegraph/renderFlameGraph.js";
import { runFlamegraphCommand } from "../../../operator/flamegraph/runFlamegraphCommand.js";
import { formatCollapsed, parseCollapsed } from "../../../operator/report/collapsedText.js";

const synflood = collapseStacks(
  parsePerfScript(
    readFileSync(
      new URL("../../fixtures/profile/perf-script-node-synflood.txt", import.meta.url),
      "utf8",
    ),
  ).samples,
);

/** A stream that takes one chunk at a time, late, and asks the writer to wait. */
function slowSink(): { stream: Writable; text: () => string; waits: () => number } {
  const parts: string[] = [];
  let waits = 0;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      parts.push(chunk.toString("utf8"));
      setImmediate(done);
    },
  });
  const write = stream.write.bind(stream);
  stream.write = ((chunk: unknown, ...rest: never[]) => {
    const ok = write(chunk as string, ...rest);
    if (!ok) waits++;
    return ok;
  }) as typeof stream.write;
  return { stream, text: () => parts.join(""), waits: () => waits };
}

describe("flame graph as a stream", () => {
  it("the CLI reads stdin a chunk at a time and writes, waiting for the reader, the SVG renderFlameGraph returns", async () => {
    const text = formatCollapsed(synflood);
    const sink = slowSink();
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 777) chunks.push(text.slice(i, i + 777));
    expect(await runFlamegraphCommand([], Readable.from(chunks), sink.stream)).to.equal(0);
    expect(sink.text()).to.equal(renderFlameGraph(synflood));
    expect(sink.waits()).to.be.greaterThan(0);
    expect([...flameGraphChunks(buildFrameTree(synflood))].length).to.be.greaterThan(10);
  });

  it("reads stdin's descriptor synchronously when it has one, never making the stream", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dgn-flamegraph-"));
    try {
      writeFileSync(join(dir, "in.txt"), formatCollapsed(synflood));
      const fd = openSync(join(dir, "in.txt"), "r");
      const sink = slowSink();
      const noStream = () => {
        throw new Error("the stream was made");
      };
      try {
        expect(await runFlamegraphCommand([], noStream, sink.stream, sink.stream, fd)).to.equal(0);
      } finally {
        closeSync(fd);
      }
      expect(sink.text()).to.equal(renderFlameGraph(synflood));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds the same tree from stacks in any order, sharing prefixes or not", () => {
    const entries = [...synflood.entries()];
    const shuffled = [...entries].sort(
      ([a], [b]) => (a.length % 7) - (b.length % 7) || (a < b ? 1 : -1),
    );
    const b = new FrameTreeBuilder();
    for (const [s, n] of shuffled) b.add(s, n);
    const chunks = [...flameGraphChunks(b.finish())].join("");
    expect(chunks).to.equal(renderFlameGraph(synflood));
    // Empty frames are skipped, and a stack that is a prefix of the previous one reuses its nodes.
    const odd = new FrameTreeBuilder();
    for (const [s, n] of [
      ["a;b;c", 1],
      ["a;b", 2],
      [";a;;b;c;", 3],
      ["a;bc", 4],
      ["a;b;c;d", 5],
    ] as const)
      odd.add(s, n);
    const tree = odd.finish();
    const named = (path: string[]) => {
      let n = 0;
      for (const name of path) {
        let found = -1;
        for (let i = tree.firstChild[n]!; i < tree.firstChild[n + 1]!; i++)
          if (tree.names[tree.nameOf[tree.childList[i]!]!] === name) found = tree.childList[i]!;
        if (found < 0) return undefined;
        n = found;
      }
      return tree.value[n];
    };
    expect([named([]), named(["a"]), named(["a", "b"]), named(["a", "b", "c"])]).to.deep.equal([
      15, 15, 11, 9,
    ]);
    expect([named(["a", "bc"]), named(["a", "b", "c", "d"])]).to.deep.equal([4, 5]);
  });

  it("reads collapsed text cut anywhere as parseCollapsed reads it whole", () => {
    const text = [
      "a;b 3",
      "a;b 2\r",
      "  lead;space 1",
      "a;b\u00a0 1.5",
      "bad 1.2.3",
      "bad .5",
      "bad 1.",
      "zero 0",
      "neg -1",
      "nospace5",
      "cr\rin;stack 1",
      "tab\t7",
      "   9",
      "caf\u00e9;\u65e5\u672c 4",
      "a b c 12 34",
      "last 6",
    ].join("\n");
    const want = parseCollapsed(text);
    const bytes = Buffer.from(text, "utf8");
    for (const size of [1, 2, 3, 5, 64, bytes.length]) {
      const got = new Map<string, number>();
      const r = new CollapsedTextReader((s, n) => got.set(s, (got.get(s) ?? 0) + n));
      for (let i = 0; i < bytes.length; i += size) r.write(bytes.subarray(i, i + size));
      r.end();
      expect([...got.entries()], `${size}-byte chunks`).to.deep.equal([...want.entries()]);
    }
    expect(want.get("a b c 12")).to.equal(34);
  });

  it("prunes frames narrower than 0.1 px with their children, and the height counts only drawn frames (flamegraph.pl --minwidth)", () => {
    const svg = renderFlameGraph(parseCollapsed("a;b 100000\na;c;d;e;f;g 1\n"));
    expect(svg).to.not.include("<title>c\n");
    expect(svg).to.include("<title>b\n");
    // Frames of depth 0..2 drawn: 3 rows of 16 px under 36 px of title, 34 px of footer.
    expect(svg).to.match(/<svg [^>]*height="118"/);
    const wide = renderFlameGraph(parseCollapsed("a;b 100\na;c;d;e;f;g 1\n"));
    expect(wide).to.include("<title>g\n");
    expect(wide).to.match(/<svg [^>]*height="182"/);
    const none = renderFlameGraph(parseCollapsed("a;b 1\n"), { minWidthPx: 2000 });
    expect(none).to.not.include('<g class="f"');
  });

  it("a diff through the builder equals renderDiffFlameGraph", async () => {
    const before = parseCollapsed("p;a 50\np;b 50\np;gone 5\n");
    const after = parseCollapsed("p;a 80\np;b 20\np;new;x 7\n");
    const sink = slowSink();
    const b = new FrameTreeBuilder();
    for (const [s, n] of after) b.add(s, n);
    for (const [s, n] of before) b.add(s, n, "base");
    await writeChunks(diffFlameGraphChunks(b.finish(b.totals.value / b.totals.base)), sink.stream);
    expect(sink.text()).to.equal(renderDiffFlameGraph(before, after));
    expect(sink.text()).to.include("<title>x\n7 samples (6.54%), +7 vs baseline (new)</title>");
  });
});
