import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { expect } from "chai";
import { isSummarizedCounter } from "../../../../operator/collector/jvm/heapFromHsperfdata.js";
import {
  counterString,
  HsperfdataFormatError,
  MAX_ENTRIES,
  MAX_STRING_BYTES,
  parseHsperfdata,
} from "../../../../operator/collector/jvm/parseHsperfdata.js";
import {
  byteVectorsHsperfdata,
  prologue,
  vectorBombHsperfdata,
} from "../../../support/craftedHsperfdata.js";
import { repoRoot } from "../../../support/repoRoot.js";

/** One string entry ("java.rt.vmArgs") whose value is `valueBytes` of 'x' with no NUL. */
function longStringFile(valueBytes: number): Buffer {
  const name = Buffer.from("java.rt.vmArgs\0", "latin1");
  const entryLength = 20 + name.length + valueBytes;
  const buf = Buffer.alloc(32 + entryLength, "x".charCodeAt(0));
  prologue(buf, buf.length, 32, 1);
  buf.writeInt32LE(entryLength, 32);
  buf.writeInt32LE(20, 36);
  buf.writeInt32LE(valueBytes, 40);
  buf.writeUInt8("B".charCodeAt(0), 44);
  buf.writeUInt8(0, 45);
  buf.writeUInt8(5, 46); // units: string
  buf.writeUInt8(1, 47);
  buf.writeInt32LE(20 + name.length, 48);
  name.copy(buf, 52);
  return buf;
}

/**
 * The hsperfdata file belongs to the target: its header fields are attacker-chosen. Decoding must
 * cost memory bounded by the file (which the reader caps), not by the numbers inside it.
 */
describe("hsperfdata decoding stays bounded (crafted files written from the documented format)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/dgn-hsperf-bounds-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Decodes a file the way the jvm check does, in a node with a small heap; the exit tells. */
  function decodeUnderHeapCap(bytes: Buffer, heapMiB: number) {
    const file = `${dir}/crafted-${bytes.length}`;
    writeFileSync(file, bytes);
    const script = `
      const { readFileSync } = await import("node:fs");
      const m = await import(${JSON.stringify(`${repoRoot}/operator/collector/jvm/heapFromHsperfdata.ts`)});
      const out = m.perfSummaryFromHsperfdata(readFileSync(process.argv[1]));
      process.stdout.write(JSON.stringify(out));`;
    return spawnSync(
      process.execPath,
      [
        `--max-old-space-size=${heapMiB}`,
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        script,
        file,
      ],
      { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
    );
  }

  it("decodes no byte vector: entries named like counters the summary reads, each a 16 KiB vector", () => {
    const names = Array.from({ length: 60 }, (_, i) => `sun.gc.collector.${i}.time`);
    const d = parseHsperfdata(byteVectorsHsperfdata(names, 16 * 1024), isSummarizedCounter);
    expect(d.entriesSeen).to.equal(60);
    expect(d.counters.size).to.equal(60);
    for (const c of d.counters.values()) expect(c.value).to.equal(undefined);
  });

  it("the vector bomb is refused as a format error when its names are asked for, skipped otherwise", () => {
    expect(() => parseHsperfdata(vectorBombHsperfdata())).to.throw(
      HsperfdataFormatError,
      /data outside the entry/,
    );
    expect(parseHsperfdata(vectorBombHsperfdata(), isSummarizedCounter).entriesSeen).to.equal(3284);
  });

  it("cuts a string value at MAX_STRING_BYTES and keeps it inside its entry", () => {
    const vmArgs = (n: string) => n === "java.rt.vmArgs";
    const d = parseHsperfdata(longStringFile(1024 * 1024), vmArgs);
    expect(counterString(d, "java.rt.vmArgs")).to.have.length(MAX_STRING_BYTES);
    const short = parseHsperfdata(longStringFile(100), vmArgs);
    expect(counterString(short, "java.rt.vmArgs")).to.equal("x".repeat(100));
  });

  it("refuses a header claiming more than MAX_ENTRIES entries, and entries shorter than their header", () => {
    const many = vectorBombHsperfdata();
    many.writeInt32LE(MAX_ENTRIES + 1, 28);
    expect(() => parseHsperfdata(many)).to.throw(HsperfdataFormatError, /entry count/);
    const tiny = vectorBombHsperfdata();
    tiny.writeInt32LE(1, 32);
    expect(() => parseHsperfdata(tiny)).to.throw(HsperfdataFormatError, /bad length 1/);
  });

  it("a 77 KiB file of byte vectors that each claim 2^31 elements decodes within a 96 MiB heap", function () {
    this.timeout(60_000);
    const r = decodeUnderHeapCap(vectorBombHsperfdata(), 96);
    expect(r.signal, r.stderr.slice(-1500)).to.equal(null);
    expect(r.status, r.stderr.slice(-1500)).to.equal(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // None of the crafted entries is a counter the summary uses.
    expect(out.maxHeapBytes).to.equal(undefined);
    expect(out.javaHome).to.equal(undefined);
  });
});
