import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  matchOomKill,
  matchOomKills,
  podCgroupOf,
} from "../../../../operator/collector/memory/matchOomKills.js";
import { parseKernelLog } from "../../../../operator/collector/memory/parseKernelLog.js";
import { parseOomKills } from "../../../../operator/collector/memory/parseOomKills.js";

const fixture = (name: string) =>
  parseOomKills(parseKernelLog(readFileSync(`test/fixtures/memory/kmsg/${name}`, "utf8")));

const DOCKER_ID = "4e3d6c4bb27f1e5e9bd3c6c8a23f1b1a8e8b2e07d7b4f9d4c3e0a5b6f7c8d9e0";
const K8S_POD =
  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f1e0c2a_3b7d_4c1e_9a2b_8d6f4e3c2b1a.slice";
const K8S_CONTAINER = `${K8S_POD}/cri-containerd-8a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b.scope`;

describe("parseKernelLog", () => {
  it("reads /dev/kmsg records, drops dictionary lines and splits \\x0a-escaped lines", () => {
    const lines = parseKernelLog(
      "4,348,313897245,-;perl invoked oom-killer: x\n SUBSYSTEM=acpi\n6,349,1,c;a\\x0ab\n",
    );
    expect(lines).to.deep.equal([
      { seq: 348, usecSinceBoot: 313897245, text: "perl invoked oom-killer: x" },
      { seq: 349, usecSinceBoot: 1, text: "a" },
      { seq: 349, usecSinceBoot: 1, text: "b" },
    ]);
  });
  it("reads dmesg lines", () => {
    expect(parseKernelLog("[  313.897617] memory: usage 65536kB")).to.deep.equal([
      { usecSinceBoot: 313897617, text: "memory: usage 65536kB" },
    ]);
  });
});

describe("parseOomKills", () => {
  it("assembles a memcg OOM kill captured from /dev/kmsg on this machine (kernel 6.18, v1)", () => {
    const events = fixture("memcg-oom-perl-6.18.kmsg");
    expect(events).to.have.length(1);
    const ev = events[0]!;
    expect(ev.kind).to.equal("memcg");
    expect(ev.constraint).to.equal("CONSTRAINT_MEMCG");
    expect(ev.oomMemcg).to.equal("/diagcap-oom1");
    expect(ev.taskMemcg).to.equal("/diagcap-oom1");
    expect(ev.triggeredBy).to.equal("perl");
    expect(ev.victim).to.deep.include({
      pid: 15479,
      name: "perl",
      uid: 0,
      anonRssKb: 65280,
      fileRssKb: 4436,
    });
    expect(ev.memcgUsageKb).to.equal(65536);
    expect(ev.memcgLimitKb).to.equal(65536);
    expect(ev.memcgFailcnt).to.equal(31);
    expect(ev.memcgStats?.rss).to.equal(66895872);
    expect(ev.memcgStats?.cache).to.equal(0);
    expect(ev.tasks).to.deep.equal([
      { pid: 15479, name: "perl", rssPages: 17429, totalVmPages: 53173 },
    ]);
    expect(ev.seq).to.equal(348);
    expect(ev.usecSinceBoot).to.equal(313897245);
    // The call trace and registers are not kept.
    expect(ev.lines.some((l) => l.includes("RIP:"))).to.equal(false);
  });

  it("assembles the S1 pre-4.19 format (Task in ... killed as a result of limit of ...) (fixture written from the documented format)", () => {
    const [ev] = fixture("s1-docker-old-format.dmesg");
    expect(ev!.kind).to.equal("memcg");
    expect(ev!.taskMemcg).to.equal(`/docker/${DOCKER_ID}`);
    expect(ev!.oomMemcg).to.equal(`/docker/${DOCKER_ID}`);
    expect(ev!.victim).to.deep.include({
      pid: 27281,
      name: "java",
      score: 1027,
      anonRssKb: 520580,
    });
    expect(ev!.memcgUsageKb).to.equal(524288);
    expect(ev!.memcgLimitKb).to.equal(524288);
    expect(ev!.memcgFailcnt).to.equal(77);
    expect(ev!.memcgStats).to.deep.include({
      rss: 520580 * 1024,
      rss_huge: 450560 * 1024,
      cache: 0,
    });
    expect(ev!.tasks?.[0]).to.deep.include({ pid: 27281, name: "java", rssPages: 131521 });
  });

  it("assembles a cgroup v2 memcg kill captured on kernel 6.1 (dmesg)", () => {
    const [ev] = fixture("cgroup2-containerd-memcg.dmesg");
    expect(ev!.kind).to.equal("memcg");
    expect(ev!.taskMemcg).to.equal(K8S_CONTAINER);
    expect(ev!.oomMemcg).to.equal(K8S_CONTAINER);
    expect(ev!).to.deep.include({ memcgUsageKb: 524288, memcgLimitKb: 524288 });
    expect(ev!.memcgStats?.anon).to.equal(535064576);
    expect(ev!.victim).to.deep.include({ pid: 137, name: "java", uid: 1000, oomScoreAdj: 968 });
  });

  // Kernel 6.1 prints the memory.stat block as one record with embedded newlines: dmesg indents
  // the continuation lines, /dev/kmsg escapes them as \x0a.
  for (const name of ["cgroup2-containerd-memcg.dmesg", "cgroup2-containerd-memcg-6.1.kmsg"]) {
    it(`reads the whole memory.stat block of a 6.1 OOM report from ${name}`, () => {
      const [ev] = fixture(name);
      expect(ev!.memcgStats).to.deep.include({ anon: 535064576, file: 24576, kernel: 1781760 });
      expect(ev!.victim).to.deep.include({ pid: 137, name: "java" });
    });
  }

  it("tells a node-wide OOM (CONSTRAINT_NONE) from a memcg one (fixture written from the documented format)", () => {
    const [ev] = fixture("node-wide-constraint-none.dmesg");
    expect(ev!.kind).to.equal("node");
    expect(ev!.constraint).to.equal("CONSTRAINT_NONE");
    expect(ev!.oomMemcg).to.equal(undefined);
    expect(ev!.taskMemcg).to.equal("/docker/0b1c2d3e4f5a");
    expect(ev!.victim?.name).to.equal("java");
  });

  it("keeps a report whose start was overwritten", () => {
    const events = parseOomKills(
      parseKernelLog(
        "[1.000000] Memory cgroup out of memory: Killed process 9 (x) total-vm:1kB, anon-rss:1kB",
      ),
    );
    expect(events).to.have.length(1);
    expect(events[0]!.kind).to.equal("memcg");
  });
});

describe("matchOomKills", () => {
  it("matches by the task's cgroup and ignores other cgroups (the pre-4.19 report: fixture written from the documented format)", () => {
    const events = [
      ...fixture("memcg-oom-perl-6.18.kmsg"),
      ...fixture("s1-docker-old-format.dmesg"),
    ];
    const { matched, others } = matchOomKills(events, "/diagcap-oom1");
    expect(matched.map((m) => m.victim?.name)).to.deep.equal(["perl"]);
    expect(matched[0]!.matchedBy).to.equal("cgroup");
    expect(others).to.equal(1);
    expect(matchOomKills(events, "/diagcap-oom10").matched).to.have.length(0);
    // A host process in the root cgroup is not a party to containers' OOM kills.
    expect(matchOomKills(events, "/").matched).to.have.length(0);
    expect(matchOomKills(events, "/docker").matched.map((m) => m.victim?.name)).to.deep.equal([
      "java",
    ]);
  });

  it("matches a previous instance of a restarted Kubernetes container through the pod cgroup", () => {
    const [ev] = fixture("cgroup2-containerd-memcg.dmesg");
    const restarted = `${K8S_POD}/cri-containerd-${"f".repeat(64)}.scope`;
    expect(podCgroupOf(restarted)).to.equal(K8S_POD);
    expect(matchOomKill(ev!, restarted)).to.equal("pod");
    expect(matchOomKill(ev!, K8S_CONTAINER)).to.equal("cgroup");
    expect(matchOomKill(ev!, `/kubepods.slice/other-pod/${"f".repeat(64)}`)).to.equal(undefined);
  });

  it("matches a node-wide kill to the victim's cgroup (fixture written from the documented format)", () => {
    const [ev] = fixture("node-wide-constraint-none.dmesg");
    expect(matchOomKill(ev!, "/docker/0b1c2d3e4f5a")).to.equal("cgroup");
  });
});
