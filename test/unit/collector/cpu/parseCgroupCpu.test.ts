import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import {
  diffCounters,
  parseCgroupV1Cpu,
  parseCgroupV2Cpu,
} from "../../../../operator/collector/cpu/parseCgroupCpu.js";

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(`${dir}/${f}`, "utf8");
  return out;
}

describe("parseCgroupV1Cpu", () => {
  it("reads a 0.1 CPU quota and throttling counters (captured)", () => {
    const s = parseCgroupV1Cpu("/c", files("test/fixtures/cpu/v1/throttled"));
    expect(s.quotaUsec).to.equal(10000);
    expect(s.periodUsec).to.equal(100000);
    expect(s.limitCores).to.equal(0.1);
    expect(s.counters).to.deep.include({ nrPeriods: 7, nrThrottled: 5, throttledUsec: 292124 });
  });
  it("reads quota -1 as no quota", () => {
    const s = parseCgroupV1Cpu("/c", files("test/fixtures/cpu/v1/unlimited"));
    expect(s.quotaUsec).to.equal(undefined);
    expect(s.limitCores).to.equal(undefined);
  });
});

describe("parseCgroupV2Cpu", () => {
  it("reads cpu.max and cpu.stat (captured in the guest, kernel 6.1)", () => {
    const s = parseCgroupV2Cpu("/c", files("test/fixtures/cpu/v2/throttled"));
    expect(s.limitCores).to.equal(0.1);
    expect(s.weight).to.equal(100);
    expect(s.counters).to.deep.equal({
      nrPeriods: 103,
      nrThrottled: 99,
      throttledUsec: 8612454,
      usageUsec: 1025991,
    });
    const u = parseCgroupV2Cpu("/c", files("test/fixtures/cpu/v2/unlimited"));
    expect(u.quotaUsec).to.equal(undefined);
    expect(u.periodUsec).to.equal(100000);
  });
  it("diffs counters over a window", () => {
    const a = { nrPeriods: 10, nrThrottled: 2, throttledUsec: 100, usageUsec: 5 };
    const b = { nrPeriods: 30, nrThrottled: 12, throttledUsec: 900, usageUsec: 8 };
    expect(diffCounters(a, b)).to.deep.equal({
      nrPeriods: 20,
      nrThrottled: 10,
      throttledUsec: 800,
      usageUsec: 3,
    });
  });
});
