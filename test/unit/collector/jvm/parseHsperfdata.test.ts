import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  perfSummaryFromHsperfdata,
  SUMMARY_COUNTERS,
  summarizeHsperfdata,
} from "../../../../operator/collector/jvm/heapFromHsperfdata.js";
import {
  counterString,
  HsperfdataFormatError,
  parseHsperfdata,
} from "../../../../operator/collector/jvm/parseHsperfdata.js";

const MiB = 1024 * 1024;
const load = (name: string) => readFileSync(`test/fixtures/jvm/${name}`);
const FIXTURES = [
  "java17-xmx1g.hsperf",
  "java17-parallel-xmx768m.hsperf",
  "java25-zgc-maxram50.hsperf",
  "java25-shenandoah-xmx512m.hsperf",
];

describe("parseHsperfdata", () => {
  it("walks every entry of a real JDK 17 file and decodes only the counters asked for", () => {
    const d = parseHsperfdata(load("java17-xmx1g.hsperf"), [
      "java.property.java.version",
      "java.rt.vmArgs",
      "sun.gc.generation.*.maxCapacity",
    ]);
    expect(d.byteOrder).to.equal("little");
    expect(d.majorVersion).to.equal(2);
    expect(d.minorVersion).to.equal(0);
    expect(d.accessible).to.equal(true);
    expect(d.entriesSeen).to.equal(187);
    expect([...d.counters.keys()].sort()).to.deep.equal([
      "java.property.java.version",
      "java.rt.vmArgs",
      "sun.gc.generation.0.maxCapacity",
      "sun.gc.generation.1.maxCapacity",
    ]);
    expect(counterString(d, "java.property.java.version")).to.equal("17.0.15");
    expect(counterString(d, "java.rt.vmArgs")).to.equal("-Xmx1g -Xms64m --add-modules=ALL-DEFAULT");
    expect(d.counters.get("sun.gc.generation.1.maxCapacity")).to.deep.include({
      units: "bytes",
      variability: "constant",
    });
  });

  it('"all" decodes every entry (for tests and tools)', () => {
    expect(parseHsperfdata(load("java17-xmx1g.hsperf"), "all").counters.size).to.equal(187);
  });

  it("rejects a file that is not hsperfdata", () => {
    expect(() => parseHsperfdata(Buffer.alloc(64), "all")).to.throw(HsperfdataFormatError, /magic/);
    expect(() => parseHsperfdata(Buffer.from([0xca, 0xfe]), "all")).to.throw(HsperfdataFormatError);
    const truncated = load("java17-xmx1g.hsperf").subarray(0, 200);
    expect(() => parseHsperfdata(truncated, "all")).to.throw(HsperfdataFormatError);
  });
});

describe("summarizeHsperfdata", () => {
  it("SUMMARY_COUNTERS names every counter the summary reads: the same summary as a full decode", () => {
    for (const f of FIXTURES) {
      const full = summarizeHsperfdata(parseHsperfdata(load(f), "all"));
      expect(summarizeHsperfdata(parseHsperfdata(load(f), SUMMARY_COUNTERS)), f).to.deep.equal(
        full,
      );
    }
  });
  it("G1 (shared regions): max heap is one generation's max, unpadded", () => {
    const s = perfSummaryFromHsperfdata(load("java17-xmx1g.hsperf"));
    expect(s.gcPolicy).to.equal("GarbageFirst");
    expect(s.maxHeapBytes).to.equal(1024 * MiB);
    expect(s.initialHeapBytes).to.equal(64 * MiB);
    expect(s.javaHome).to.equal("/usr/lib/jvm/java-17-openjdk-amd64");
    expect(s.liveThreads).to.be.a("number").greaterThan(0);
  });
  it("Parallel (disjoint generations): max heap is young + old", () => {
    const s = perfSummaryFromHsperfdata(load("java17-parallel-xmx768m.hsperf"));
    expect(s.gcPolicy).to.equal("ParScav:MSC");
    expect(s.maxHeapBytes).to.equal(768 * MiB);
  });
  it("ZGC and Shenandoah on JDK 25", () => {
    const z = perfSummaryFromHsperfdata(load("java25-zgc-maxram50.hsperf"));
    expect(z.javaVersion).to.equal("25.0.3");
    expect(z.vmArgs).to.equal("-XX:+UseZGC -XX:MaxRAMPercentage=50");
    expect(z.maxHeapBytes).to.equal(12639535104);
    const sh = perfSummaryFromHsperfdata(load("java25-shenandoah-xmx512m.hsperf"));
    expect(sh.maxHeapBytes).to.equal(512 * MiB);
  });
});
