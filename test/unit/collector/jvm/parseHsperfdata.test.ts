import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  isSummarizedCounter,
  summarizeHsperfdata,
} from "../../../../operator/collector/jvm/heapFromHsperfdata.js";
import {
  counterString,
  HsperfdataFormatError,
  parseHsperfdata,
} from "../../../../operator/collector/jvm/parseHsperfdata.js";

const MiB = 1024 * 1024;
const load = (name: string) => readFileSync(`test/fixtures/jvm/${name}`);

describe("parseHsperfdata", () => {
  it("parses the prologue and every entry of a real JDK 17 file", () => {
    const d = parseHsperfdata(load("java17-xmx1g.hsperf"));
    expect(d.byteOrder).to.equal("little");
    expect(d.majorVersion).to.equal(2);
    expect(d.minorVersion).to.equal(0);
    expect(d.accessible).to.equal(true);
    expect(d.counters.size).to.equal(187);
    expect(counterString(d, "java.property.java.version")).to.equal("17.0.15");
    expect(counterString(d, "java.rt.vmArgs")).to.equal("-Xmx1g -Xms64m --add-modules=ALL-DEFAULT");
    expect(d.counters.get("sun.gc.generation.1.maxCapacity")).to.deep.include({
      units: "bytes",
      variability: "constant",
    });
  });

  it("decodes only the counters the jvm check names", () => {
    const d = parseHsperfdata(load("java17-xmx1g.hsperf"), isSummarizedCounter);
    const names = [...d.counters.keys()];
    expect(names).to.include.members([
      "sun.gc.metaspace.used",
      "sun.gc.compressedclassspace.maxCapacity",
      "sun.gc.collector.0.time",
      "sun.os.hrt.ticks",
      "java.threads.live",
    ]);
    expect(names.every(isSummarizedCounter)).to.equal(true);
    expect(names.length).to.be.lessThan(40);
    // What the summary reads is all there.
    const all = summarizeHsperfdata(parseHsperfdata(load("java17-xmx1g.hsperf")));
    expect(summarizeHsperfdata(d)).to.deep.equal(all);
  });

  it("rejects offsets outside an entry and implausible counts (hostile files)", () => {
    const good = load("java17-xmx1g.hsperf");
    const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const manyEntries = Buffer.from(good);
    view(manyEntries).setInt32(28, 1_000_000, true);
    expect(() => parseHsperfdata(manyEntries)).to.throw(HsperfdataFormatError, /entry count/);
    const entryOffset = view(good).getInt32(24, true);
    // The first entry's data offset pointing far past its end.
    const farData = Buffer.from(good);
    view(farData).setInt32(entryOffset + 16, 0x7fff0000, true);
    expect(() => parseHsperfdata(farData)).to.throw(HsperfdataFormatError, /data outside/);
    const farName = Buffer.from(good);
    view(farName).setInt32(entryOffset + 4, -8, true);
    expect(() => parseHsperfdata(farName)).to.throw(HsperfdataFormatError, /name outside/);
    const badStart = Buffer.from(good);
    view(badStart).setInt32(24, good.length + 100, true);
    expect(() => parseHsperfdata(badStart)).to.throw(HsperfdataFormatError, /entry offset/);
  });

  it("rejects a file that is not hsperfdata", () => {
    expect(() => parseHsperfdata(Buffer.alloc(64))).to.throw(HsperfdataFormatError, /magic/);
    expect(() => parseHsperfdata(Buffer.from([0xca, 0xfe]))).to.throw(HsperfdataFormatError);
    const truncated = load("java17-xmx1g.hsperf").subarray(0, 200);
    expect(() => parseHsperfdata(truncated)).to.throw(HsperfdataFormatError);
  });
});

describe("summarizeHsperfdata", () => {
  it("G1 (shared regions): max heap is one generation's max, unpadded", () => {
    const s = summarizeHsperfdata(parseHsperfdata(load("java17-xmx1g.hsperf")));
    expect(s.gcPolicy).to.equal("GarbageFirst");
    expect(s.maxHeapBytes).to.equal(1024 * MiB);
    expect(s.initialHeapBytes).to.equal(64 * MiB);
    expect(s.javaHome).to.equal("/usr/lib/jvm/java-17-openjdk-amd64");
    expect(s.liveThreads).to.be.a("number").greaterThan(0);
    expect(s).to.deep.include({
      metaspaceCommittedBytes: 9961472,
      metaspaceUsedBytes: 9708272,
      compressedClassMaxBytes: 1073741824,
      codeCacheUsedBytes: 1791096,
      gcTimePercent: 4.2,
      uptimeSeconds: 5,
    });
  });
  it("Parallel (disjoint generations): max heap is young + old", () => {
    const s = summarizeHsperfdata(parseHsperfdata(load("java17-parallel-xmx768m.hsperf")));
    expect(s.gcPolicy).to.equal("ParScav:MSC");
    expect(s.maxHeapBytes).to.equal(768 * MiB);
  });
  it("ZGC and Shenandoah on JDK 25", () => {
    const z = summarizeHsperfdata(parseHsperfdata(load("java25-zgc-maxram50.hsperf")));
    expect(z.javaVersion).to.equal("25.0.3");
    expect(z.vmArgs).to.equal("-XX:+UseZGC -XX:MaxRAMPercentage=50");
    expect(z.maxHeapBytes).to.equal(12639535104);
    const sh = summarizeHsperfdata(parseHsperfdata(load("java25-shenandoah-xmx512m.hsperf")));
    expect(sh.maxHeapBytes).to.equal(512 * MiB);
  });
});
