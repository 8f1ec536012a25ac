import { expect } from "chai";
import { bytesPerObject, percentile, ratio, summarizeLatencies } from "../../bench/stats.js";

describe("bench stats", () => {
  it("takes nearest-rank percentiles: always a measured value", () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 30)).to.equal(20);
    expect(percentile(values, 40)).to.equal(20);
    expect(percentile(values, 50)).to.equal(35);
    expect(percentile(values, 100)).to.equal(50);
    expect(percentile(values, 0)).to.equal(15);
  });

  it("sorts a copy and leaves the input alone", () => {
    const values = [9, 1, 5];
    expect(percentile(values, 50)).to.equal(5);
    expect(values).to.deep.equal([9, 1, 5]);
  });

  it("puts p99 of 200 events on the 198th value, not the maximum", () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 200..1, unsorted
    const s = summarizeLatencies(values);
    expect(s.count).to.equal(200);
    expect(s.p50Ms).to.equal(100);
    expect(s.p95Ms).to.equal(190);
    expect(s.p99Ms).to.equal(198);
    expect(s.maxMs).to.equal(200);
  });

  it("reports nothing rather than zero when there are no values", () => {
    expect(percentile([], 50)).to.equal(null);
    expect(summarizeLatencies([])).to.deep.equal({
      count: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
    });
  });

  it("rejects percentiles outside 0..100", () => {
    expect(() => percentile([1], 101)).to.throw(RangeError);
  });

  it("rounds latencies to 0.1 ms and ratios to 0.01", () => {
    expect(summarizeLatencies([12.345]).p50Ms).to.equal(12.3);
    expect(ratio(10, 3)).to.equal(3.33);
    expect(ratio(10, 0)).to.equal(null);
    expect(ratio(null, 3)).to.equal(null);
  });

  it("spreads memory growth over the objects added", () => {
    expect(
      bytesPerObject(
        { objects: 1000, bytes: 100_000_000 },
        { objects: 10_000, bytes: 109_000_000 },
      ),
    ).to.equal(1000);
    expect(bytesPerObject({ objects: 5, bytes: 1 }, { objects: 5, bytes: 2 })).to.equal(null);
  });
});
