import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { analyzeReport } from "../../../operator/analysis/analyzeReport.js";
import { analyzeCpu } from "../../../operator/analysis/cpuRules.js";
import { jvmFootprint, planFlags, planFootprint } from "../../../operator/analysis/jvmFootprint.js";
import { analyzeJvm } from "../../../operator/analysis/jvmRules.js";
import { analyzeMemory } from "../../../operator/analysis/memoryRules.js";
import { parseJvmFlags } from "../../../operator/analysis/parseJvmFlags.js";
import {
  parseCgroupV1Cpu,
  parseCgroupV2Cpu,
} from "../../../operator/collector/cpu/parseCgroupCpu.js";
import { containerSupport } from "../../../operator/collector/jvm/containerSupport.js";
import { perfSummaryFromHsperfdata } from "../../../operator/collector/jvm/heapFromHsperfdata.js";
import { parseJavaVersion } from "../../../operator/collector/jvm/parseJavaRelease.js";
import { matchOomKills } from "../../../operator/collector/memory/matchOomKills.js";
import {
  parseCgroupV1Memory,
  parseCgroupV2Memory,
} from "../../../operator/collector/memory/parseCgroupMemory.js";
import { parseKernelLog } from "../../../operator/collector/memory/parseKernelLog.js";
import { parseOomKills } from "../../../operator/collector/memory/parseOomKills.js";
import type {
  JvmEvidence,
  JvmProcessEvidence,
} from "../../../operator/report/evidence/jvmEvidence.js";
import type { MemoryEvidence } from "../../../operator/report/evidence/memoryEvidence.js";

const MiB = 1024 * 1024;
const files = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(`${dir}/${f}`, "utf8")]));
const DOCKER = "/docker/4e3d6c4bb27f1e5e9bd3c6c8a23f1b1a8e8b2e07d7b4f9d4c3e0a5b6f7c8d9e0";

function memoryEvidence(
  kmsgFixture: string | undefined,
  path: string,
  cgDir: string,
  v: 1 | 2,
): MemoryEvidence {
  const events = kmsgFixture
    ? parseOomKills(
        parseKernelLog(readFileSync(`test/fixtures/memory/kmsg/${kmsgFixture}`, "utf8")),
      )
    : [];
  const { matched, others } = matchOomKills(events, path);
  const parse = v === 1 ? parseCgroupV1Memory : parseCgroupV2Memory;
  return {
    cgroup: parse(path, files(cgDir)),
    kernelLog: { source: "/dev/kmsg", oomKills: matched, otherOomKills: others },
    processes: [],
  };
}

function jvm(
  cmdline: string[],
  version: string,
  opts: Partial<JvmProcessEvidence> = {},
): JvmProcessEvidence {
  const v = parseJavaVersion(version);
  const flags = parseJvmFlags(cmdline, {}, { processCmdline: true, javaMajorVersion: v?.major });
  return {
    pid: 27281,
    cmdline,
    flags,
    version: v,
    containerSupport: containerSupport(v, flags.useContainerSupport, 1),
    ...opts,
  };
}

describe("memory rules", () => {
  it("S1: OOM-killed by its cgroup, java, usage = limit, anon-dominated (the kernel log: fixture written from the documented format)", () => {
    const data = memoryEvidence(
      "s1-docker-old-format.dmesg",
      DOCKER,
      "test/fixtures/memory/v1/after-oom",
      1,
    );
    const f = analyzeMemory(data);
    expect(f[0]).to.deep.include({ code: "OOMKilledByCgroup", severity: "Critical" });
    expect(f[0]!.summary).to.match(
      /^OOM-killed by its cgroup: java \(pid 27281\) at 512Mi usage = limit 512Mi, anon 99%/,
    );
    expect(f[0]!.evidence).to.deep.include({
      usageBytes: 512 * MiB,
      limitBytes: 512 * MiB,
      failcnt: 77,
    });
    expect(f[0]!.remediation).to.match(/anonymous/);
  });

  it("captured memcg OOM of perl on this machine, and a node-wide OOM (that report: fixture written from the documented format)", () => {
    const perl = analyzeMemory(
      memoryEvidence(
        "memcg-oom-perl-6.18.kmsg",
        "/diagcap-oom1",
        "test/fixtures/memory/v1/after-oom",
        1,
      ),
    );
    expect(perl[0]!.code).to.equal("OOMKilledByCgroup");
    expect(perl[0]!.summary).to.include("perl (pid 15479) at 64Mi usage = limit 64Mi, anon 100%");
    const node = analyzeMemory(
      memoryEvidence(
        "node-wide-constraint-none.dmesg",
        "/docker/0b1c2d3e4f5a",
        "test/fixtures/memory/v2/healthy",
        2,
      ),
    );
    expect(node.map((x) => x.code)).to.deep.equal(["OOMKilledByNode"]);
    expect(node[0]!.summary).to.include("CONSTRAINT_NONE");
  });

  it("falls back to the oom_kill counter when the kernel log lost the record (v2 cgroup captured in the guest)", () => {
    const f = analyzeMemory(
      memoryEvidence(undefined, "/k", "test/fixtures/memory/v2/oom-at-limit", 2),
    );
    expect(f.map((x) => x.code)).to.include("OOMKilledByCgroup");
    expect(f.map((x) => x.code)).to.include("MemoryNearLimit");
  });

  it("healthy cgroup: only an Info that no OOM kill happened (v2 cgroup captured in the guest)", () => {
    const f = analyzeMemory(
      memoryEvidence("memcg-oom-perl-6.18.kmsg", "/k", "test/fixtures/memory/v2/healthy", 2),
    );
    expect(f.map((x) => [x.code, x.severity])).to.deep.equal([["NoOomKill", "Info"]]);
  });
});

describe("jvm rules", () => {
  const limit512: Pick<JvmEvidence, "memoryLimitBytes" | "cgroupVersion" | "pidsScanned"> = {
    memoryLimitBytes: 512 * MiB,
    cgroupVersion: 1,
    pidsScanned: 1,
  };

  it("S1: a heap sized from the host's RAM by an old JVM exceeds the limit", () => {
    // Java 8u181 ignores the cgroup: MaxHeapSize 1.95Gi as in the incident's PrintFlagsFinal.
    const j = jvm(["java", "-jar", "app.jar"], "1.8.0_181", {
      perf: { maxHeapBytes: 2092957696 },
    });
    const f = analyzeJvm({ ...limit512, jvms: [j] });
    const heap = f.find((x) => x.code === "JvmHeapExceedsLimit")!;
    expect(heap.severity).to.equal("Critical");
    expect(heap.summary).to.include("max heap 1.95Gi (sized from the host's RAM");
    expect(heap.summary).to.include("limit 512Mi");
    expect(heap.remediation).to.match(/-Xmx\d+m/);
    expect(heap.remediation).to.match(/-XX:MaxRAMPercentage=\d+/);
    expect(heap.evidence).to.deep.include({ maxHeapBytes: 2092957696, limitBytes: 512 * MiB });
    const aware = f.find((x) => x.code === "JvmNotContainerAware")!;
    expect(aware.severity).to.equal("Warning");
  });

  it("estimates the heap of an old JVM without flags or perf counters from the host's RAM", () => {
    const j = jvm(["java", "-jar", "app.jar"], "1.8.0_151");
    const f = analyzeJvm({ ...limit512, hostMemoryBytes: 8192 * MiB, jvms: [j] });
    const heap = f.find((x) => x.code === "JvmHeapExceedsLimit")!;
    expect(heap.evidence).to.deep.include({ maxHeapBytes: 2048 * MiB });
    expect(heap.evidence!.maxHeapSource).to.include("host's RAM");
    // -XX:MaxRAM caps the RAM the JVM sizes from.
    const capped = jvm(["java", "-XX:MaxRAM=1g", "-jar", "app.jar"], "1.8.0_151");
    const g = analyzeJvm({ ...limit512, hostMemoryBytes: 8192 * MiB, jvms: [capped] });
    // 256 MiB of heap fits; with the default 240 MiB code cache reservation the whole JVM does not.
    expect(g.find((x) => x.code === "JvmFootprintExceedsLimit")!.evidence).to.deep.include({
      maxHeapBytes: 256 * MiB,
    });
  });

  it("sizes every part for the limit: fixed non-heap first, 5% headroom, the heap gets the rest", () => {
    const j = jvm(["java", "-Xmx1g", "Main"], "17.0.15", { threads: 30 });
    const fp = jvmFootprint(j, { bytes: 1024 * MiB, source: "x" });
    const plan = planFootprint(512 * MiB, fp);
    // 64 MiB metaspace (no counters), 51 MiB code cache and direct (a tenth of the limit), 30 x 1 MiB
    // stacks, 32 MiB other native: 486.4 - 228 = 258.4 MiB, less 1/33 of it for GC structures.
    expect(plan).to.deep.include({
      maxMetaspaceMiB: 64,
      reservedCodeCacheMiB: 51,
      maxDirectMemoryMiB: 51,
      stackKiB: 1024,
      threads: 30,
      xmxMiB: 250,
      tooSmall: false,
    });
    expect(planFlags(plan)).to.equal(
      "-Xmx250m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=51m -XX:MaxDirectMemorySize=51m -Xss1m",
    );
    // A big limit keeps the default code cache; many threads in a small one get 512k stacks.
    expect(planFootprint(8192 * MiB, fp).reservedCodeCacheMiB).to.equal(240);
    const busy = jvmFootprint(jvm(["java", "Main"], "17.0.15", { threads: 200 }), {
      bytes: 64 * MiB,
      source: "x",
    });
    expect(planFootprint(512 * MiB, busy).stackKiB).to.equal(512);
    expect(planFootprint(128 * MiB, busy).tooSmall).to.equal(true);
  });

  it("uses the real perf counters of a JVM with -Xmx1g", () => {
    const perf = perfSummaryFromHsperfdata(readFileSync("test/fixtures/jvm/java17-xmx1g.hsperf"));
    const j = jvm(["java", "-Xmx1g", "-Xms64m", "Alloc.java"], "17.0.15", { perf });
    const f = analyzeJvm({ ...limit512, memoryLimitBytes: 200 * MiB, jvms: [j] });
    expect(f.map((x) => x.code)).to.deep.equal(["JvmHeapExceedsLimit"]);
    expect(f[0]!.summary).to.include("set by -Xmx1g");
  });

  it("a JVM well inside its limit gets no Warning or Critical", () => {
    const j = jvm(["java", "-Xmx256m", "Main"], "17.0.15", {
      perf: { maxHeapBytes: 256 * MiB, liveThreads: 20 },
    });
    const f = analyzeJvm({ ...limit512, memoryLimitBytes: 1024 * MiB, jvms: [j] });
    expect(f.map((x) => [x.code, x.severity])).to.deep.equal([["JvmHeapWithinLimit", "Info"]]);
  });

  it("Warning when the heap fits but heap + non-heap does not", () => {
    const j = jvm(["java", "-Xmx480m", "Main"], "17.0.15");
    const f = analyzeJvm({ ...limit512, jvms: [j] });
    expect(f[0]).to.deep.include({ code: "JvmFootprintExceedsLimit", severity: "Warning" });
  });
});

describe("the whole JVM footprint", () => {
  const perf17 = () =>
    perfSummaryFromHsperfdata(readFileSync("test/fixtures/jvm/java17-xmx1g.hsperf"));

  it("names every part with its number and source, from the real JDK 17 counters", () => {
    const j = jvm(["java", "-Xmx1g", "-Xms64m", "Alloc"], "17.0.15", {
      perf: perf17(),
      threads: 19,
    });
    const fp = jvmFootprint(j, {
      bytes: 1024 * MiB,
      source: "the JVM's perf counters (hsperfdata)",
    });
    const part = (name: string) => fp.parts.find((p) => p.part === name)!;
    expect(fp.parts.map((p) => p.part)).to.deep.equal([
      "heap",
      "metaspace",
      "compressedClassSpace",
      "codeCache",
      "threadStacks",
      "directMemory",
      "gcAndOther",
    ]);
    // sun.gc.metaspace.capacity 9961472 holds the class space's 1310720.
    expect(part("metaspace")).to.deep.include({
      bytes: 9961472 - 1310720,
      usedBytes: 9708272 - 1183304,
      maxBytes: 1140850688,
    });
    expect(part("metaspace").source).to.include("counter sun.gc.metaspace.capacity");
    expect(part("compressedClassSpace")).to.deep.include({
      bytes: 1310720,
      usedBytes: 1183304,
      maxBytes: 1073741824,
    });
    expect(part("codeCache")).to.deep.include({ bytes: 240 * MiB, usedBytes: 1791096 });
    expect(part("codeCache").source).to.match(/^default ReservedCodeCacheSize/);
    expect(part("threadStacks")).to.deep.include({ bytes: 19 * MiB, threads: 19 });
    expect(part("threadStacks").source).to.equal(
      "19 threads (/proc/27281/status) x 1Mi (default -Xss)",
    );
    expect(part("directMemory")).to.deep.include({
      bytes: 1024 * MiB,
      source: "default MaxDirectMemorySize = the max heap",
    });
    expect(fp.directMemoryDefaulted).to.equal(true);
    expect(fp.totalBytes).to.equal(fp.parts.reduce((s, p) => s + p.bytes, 0));
    // Collector time over uptime, from sun.gc.collector.*.time and sun.os.hrt.ticks.
    expect(fp.gcTimePercent).to.equal(4.2);
  });

  it("metaspace before the first GC (JDK 17 counters at 0): estimated from the loaded classes", () => {
    const perf = { ...perf17(), metaspaceCommittedBytes: 0, compressedClassCommittedBytes: 0 };
    const fp = jvmFootprint(jvm(["java", "Main"], "17.0.15", { perf }), {
      bytes: 64 * MiB,
      source: "x",
    });
    const meta = fp.parts.filter(
      (p) => p.part === "metaspace" || p.part === "compressedClassSpace",
    );
    expect(meta).to.have.length(1);
    expect(meta[0]!.bytes).to.equal(1565 * 5800 + 14_000_000);
    expect(meta[0]!.source).to.match(/^estimate from 1565 loaded classes/);
  });

  it("flags as written: -XX:MaxDirectMemorySize, -Xss, ReservedCodeCacheSize, -TieredCompilation", () => {
    const j = jvm(
      [
        "java",
        "-Xmx64m",
        "-XX:MaxDirectMemorySize=512m",
        "-Xss256k",
        "-XX:-TieredCompilation",
        "Main",
      ],
      "17.0.15",
      { threads: 40 },
    );
    const fp = jvmFootprint(j, { bytes: 64 * MiB, source: "flag" });
    const part = (name: string) => fp.parts.find((p) => p.part === name)!;
    expect(part("directMemory")).to.deep.include({
      bytes: 512 * MiB,
      source: "flag -XX:MaxDirectMemorySize=512m on the command line",
    });
    expect(part("threadStacks").bytes).to.equal(40 * 256 * 1024);
    expect(part("threadStacks").source).to.include("flag -Xss256k on the command line");
    expect(part("codeCache").bytes).to.equal(48 * MiB);
    expect(fp.directMemoryDefaulted).to.equal(false);
  });

  it("JvmFootprintExceedsLimit when the heap fits and the sum does not: Critical after an OOM kill", () => {
    const j = jvm(["java", "-Xmx64m", "-XX:MaxDirectMemorySize=512m", "Main"], "17.0.15", {
      perf: { ...perf17(), maxHeapBytes: 64 * MiB },
      threads: 25,
    });
    const data: JvmEvidence = { memoryLimitBytes: 256 * MiB, pidsScanned: 1, jvms: [j] };
    const warn = analyzeJvm(data);
    const f = warn.find((x) => x.code === "JvmFootprintExceedsLimit")!;
    expect(f.severity).to.equal("Warning");
    expect(f.summary).to.match(/max heap 64Mi fits the 256Mi limit, but the whole JVM can take/);
    expect(f.summary).to.include(
      "direct buffers 512Mi (flag -XX:MaxDirectMemorySize=512m on the command line)",
    );
    expect(f.summary).to.include("GC took 4.2%");
    expect(f.remediation).to.match(
      /^Size every part for the 256Mi limit: -Xmx\d+m -XX:MaxMetaspaceSize=32m -XX:ReservedCodeCacheSize=25m -XX:MaxDirectMemorySize=25m -Xss1m \(25 threads\)/,
    );
    expect((f.evidence!.parts as unknown[]).length).to.equal(7);
    expect(warn.some((x) => x.code === "JvmHeapExceedsLimit")).to.equal(false);

    const memory = memoryEvidence(
      "s1-docker-old-format.dmesg",
      DOCKER,
      "test/fixtures/memory/v1/after-oom",
      1,
    );
    const crit = analyzeJvm(data, { results: { memory } });
    expect(crit.find((x) => x.code === "JvmFootprintExceedsLimit")!.severity).to.equal("Critical");
  });

  it("a direct-memory ceiling nobody set does not raise a Warning, but the Info says how to bound it", () => {
    const j = jvm(["java", "-Xmx256m", "Main"], "17.0.15", { threads: 20 });
    const f = analyzeJvm({ memoryLimitBytes: 640 * MiB, pidsScanned: 1, jvms: [j] });
    expect(f.map((x) => [x.code, x.severity])).to.deep.equal([["JvmHeapWithinLimit", "Info"]]);
    expect(f[0]!.summary).to.include("bound them with -XX:MaxDirectMemorySize=64m");
  });
});

describe("cpu rules", () => {
  it("throttled 0.1 CPU cgroups (v1 captured here, v2 in the guest) yield CpuThrottled", () => {
    const v1 = analyzeCpu({
      cgroup: parseCgroupV1Cpu("/c", files("test/fixtures/cpu/v1/throttled")),
    });
    expect(v1[0]).to.deep.include({ code: "CpuThrottled", severity: "Warning" });
    expect(v1[0]!.summary).to.include("5 of 7 periods (71%)");
    expect(v1[0]!.summary).to.include("quota 0.1 CPU (10 ms per 100 ms period)");
    const v2 = analyzeCpu({
      cgroup: parseCgroupV2Cpu("/c", files("test/fixtures/cpu/v2/throttled")),
    });
    expect(v2[0]!.evidence).to.deep.include({ nrThrottled: 99, throttledSeconds: 8.612 });
  });
  it("no quota, no finding (v1 captured here, v2 in the guest)", () => {
    expect(
      analyzeCpu({ cgroup: parseCgroupV1Cpu("/c", files("test/fixtures/cpu/v1/unlimited")) }),
    ).to.deep.equal([]);
    expect(
      analyzeCpu({ cgroup: parseCgroupV2Cpu("/c", files("test/fixtures/cpu/v2/unlimited")) }),
    ).to.deep.equal([]);
  });
});

describe("analyzeReport", () => {
  it("ranks findings of all checks, most severe first, marked as from the collector (the kernel log: fixture written from the documented format)", () => {
    const memory = memoryEvidence(
      "s1-docker-old-format.dmesg",
      DOCKER,
      "test/fixtures/memory/v1/after-oom",
      1,
    );
    const cpu = { cgroup: parseCgroupV1Cpu("/c", files("test/fixtures/cpu/v1/throttled")) };
    const j = jvm(["java", "-jar", "app.jar"], "1.8.0_181", { perf: { maxHeapBytes: 2092957696 } });
    const findings = analyzeReport({
      cpu: { status: "ok", durationMs: 1, data: cpu },
      memory: { status: "ok", durationMs: 1, data: memory },
      jvm: {
        status: "ok",
        durationMs: 1,
        data: { jvms: [j], memoryLimitBytes: 512 * MiB, pidsScanned: 1 },
      },
      network: { status: "unavailable", durationMs: 0, reason: "x" },
    });
    expect(findings.map((f) => f.code)).to.deep.equal([
      "OOMKilledByCgroup",
      "JvmHeapExceedsLimit",
      "CpuThrottled",
      "JvmNotContainerAware",
    ]);
    expect(findings.every((f) => f.source === "Collector")).to.equal(true);
    expect(findings[0]!.remediation).to.include("JVM");
  });
  it("turns malformed evidence into an Info, not a crash", () => {
    const f = analyzeReport({ memory: { status: "ok", durationMs: 1, data: { nonsense: true } } });
    expect(f.map((x) => [x.code, x.severity])).to.deep.equal([["AnalysisFailed", "Info"]]);
  });
  it("healthy input yields no Warning or Critical (v2 cgroups captured in the guest)", () => {
    const memory = memoryEvidence(undefined, "/k", "test/fixtures/memory/v2/healthy", 2);
    const j = jvm(["java", "-Xmx256m", "Main"], "17.0.15");
    const findings = analyzeReport({
      memory: { status: "ok", durationMs: 1, data: memory },
      jvm: {
        status: "ok",
        durationMs: 1,
        data: { jvms: [j], memoryLimitBytes: 1024 * MiB, pidsScanned: 1 },
      },
      cpu: {
        status: "ok",
        durationMs: 1,
        data: { cgroup: parseCgroupV2Cpu("/c", files("test/fixtures/cpu/v2/unlimited")) },
      },
    });
    expect(findings.length).to.be.greaterThan(0);
    expect(findings.filter((f) => f.severity !== "Info")).to.deep.equal([]);
  });
});
