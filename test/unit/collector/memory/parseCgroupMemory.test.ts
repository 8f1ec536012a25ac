import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import {
  parseCgroupV1Memory,
  parseCgroupV2Memory,
} from "../../../../operator/collector/memory/parseCgroupMemory.js";

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(`${dir}/${f}`, "utf8");
  return out;
}

describe("parseCgroupV1Memory", () => {
  it("reads a v1 cgroup right after an OOM kill (captured)", () => {
    const s = parseCgroupV1Memory("/diagcap-oom1", files("test/fixtures/memory/v1/after-oom"));
    expect(s.cgroupVersion).to.equal(1);
    expect(s.limitBytes).to.equal(64 * 1024 * 1024);
    expect(s.maxUsageBytes).to.equal(64 * 1024 * 1024);
    expect(s.usageBytes).to.equal(208896);
    expect(s.failcnt).to.equal(48);
    expect(s.events.oomKill).to.equal(1);
    expect(s.underOom).to.equal(false);
    expect(s.anonBytes).to.equal(0);
  });

  it("reads a running cgroup and uses the hierarchical totals", () => {
    const s = parseCgroupV1Memory("/x", files("test/fixtures/memory/v1/running"));
    expect(s.limitBytes).to.equal(512 * 1024 * 1024);
    expect(s.fileBytes).to.equal(s.stat.total_cache);
    expect(s.workingSetBytes).to.equal(s.usageBytes! - s.stat.total_inactive_file!);
    expect(s.events.oomKill).to.equal(0);
  });

  it("treats the v1 page-rounded LONG_MAX as no limit", () => {
    const s = parseCgroupV1Memory("/", { "memory.limit_in_bytes": "9223372036854771712\n" });
    expect(s.limitBytes).to.equal(undefined);
  });
});

describe("parseCgroupV2Memory", () => {
  it("reads memory.max, current, peak, events and stat (captured in the guest, kernel 6.1)", () => {
    const s = parseCgroupV2Memory("/k", files("test/fixtures/memory/v2/oom-at-limit"));
    expect(s.cgroupVersion).to.equal(2);
    expect(s.limitBytes).to.equal(536870912);
    expect(s.usageBytes).to.equal(534298624);
    expect(s.maxUsageBytes).to.equal(536870912);
    expect(s.events).to.deep.equal({ oom: 1, oomKill: 1, oomGroupKill: 0, max: 247, high: 0 });
    expect(s.anonBytes).to.equal(498229248);
    expect(s.fileBytes).to.equal(34213888);
    expect(s.workingSetBytes).to.equal(534298624 - 33894400);
  });
  it('reads "max" as no limit', () => {
    expect(parseCgroupV2Memory("/", { "memory.max": "max\n" }).limitBytes).to.equal(undefined);
  });
});
