import { expect } from "chai";
import type {
  BenchResults,
  FinishedDiagnosesMemoryResult,
  FlamegraphResult,
  MemoryResult,
  ReactionResult,
} from "../../bench/benchResults.js";
import { renderBenchResults } from "../../bench/benchResults.js";
import { issueTargets } from "../../bench/issueTargets.js";

function reaction(pods: number, p50: number, p99: number, job: number): ReactionResult {
  const floor = { p50: 8, p99: 60 };
  return {
    pods,
    podsInCluster: pods + 10,
    events: 200,
    p50Ms: p50,
    p95Ms: p99,
    p99Ms: p99,
    floorP50Ms: floor.p50,
    floorP95Ms: floor.p99,
    floorP99Ms: floor.p99,
    ratioP50: Math.round((p50 / floor.p50) * 100) / 100,
    ratioP99: Math.round((p99 / floor.p99) * 100) / 100,
    jobP50Ms: job,
    jobP95Ms: job,
    jobP99Ms: job,
    jobRatioP50: Math.round((job / floor.p50) * 100) / 100,
    ownP50Ms: p50 - floor.p50,
    ownP99Ms: p99 - floor.p99,
    jobOwnP50Ms: job - floor.p50,
    jobOwnP99Ms: job - floor.p50,
    missedDiagnoses: 0,
    missedJobs: 0,
  };
}

function memory(pods: number, mib: number): MemoryResult {
  return {
    pods,
    podsInCluster: pods,
    rssBytes: mib * 2 ** 20,
    heapUsedBytes: null,
    heapTotalBytes: null,
    bytesPerPod: null,
    heapBytesPerPod: null,
  };
}

function finishedMemory(
  diagnoses: number,
  mib: number,
  addedMib: number,
): FinishedDiagnosesMemoryResult {
  return {
    diagnoses,
    statusBytes: diagnoses * 65_536,
    podsInCluster: 10_400,
    rssBytes: mib * 2 ** 20,
    peakRssBytes: mib * 2 ** 20,
    addedRssBytes: addedMib * 2 ** 20,
    heapUsedBytes: null,
  };
}

function flamegraph(collapse: [number, number], render: [number, number | null]): FlamegraphResult {
  return {
    samples: 100_000,
    perfScriptMiB: 229,
    ms: collapse[0] + render[0],
    stacks: 5000,
    svgKiB: 900,
    rows: [
      {
        tool: "diagnose-collector collapse-perf",
        stage: "collapse",
        runs: 3,
        wallMs: collapse[0],
        peakRssBytes: collapse[1],
        ratio: null,
        rssRatio: null,
      },
      {
        tool: "diagnose-collector flamegraph",
        stage: "render",
        runs: 3,
        wallMs: render[0],
        peakRssBytes: 50e6,
        ratio: render[1],
        rssRatio: null,
      },
    ],
  };
}

function results(): BenchResults {
  return {
    meta: { startedAt: "", quick: false, host: { cpus: 2, kernel: "", node: "" }, notes: [] },
    reaction: [reaction(1000, 12, 100, 20), reaction(10_000, 40.7, 146.9, 72.4)],
    memory: [memory(0, 60), memory(1000, 70), memory(10_000, 95)],
    finishedDiagnosesMemory: finishedMemory(2000, 96, (2000 * 1049) / 2 ** 20),
    errors: {},
  };
}

describe("issue #17 targets", () => {
  it("states every reaction row against its goal, 10,000 pods first, with our share", () => {
    const rows = issueTargets(results());
    const at10k = rows.find(
      (r) => r.what.startsWith("Diagnosis ADDED") && r.what.includes("10,000"),
    )!;
    expect(at10k.measured).to.equal("40.7 ms / 146.9 ms; floor 8.0 ms / 60.0 ms: 5.09x / 2.45x");
    expect(at10k.met).to.equal(false);
    expect(at10k.ratio).to.equal(5.09);
    const at1k = rows.find(
      (r) => r.what.startsWith("Diagnosis ADDED") && r.what.includes("1,000 pods"),
    )!;
    expect(at1k.met).to.equal(true);
    const job = rows.find((r) => r.what === "collector Job ADDED, p50, 10,000 pods")!;
    expect([job.ratio, job.met]).to.deep.equal([9.05, false]);
    const share = rows.find((r) => r.what.startsWith("our share") && r.what.includes("10,000"))!;
    expect(share.measured).to.equal("Diagnosis 32.7 ms / 86.9 ms; Job 64.4 ms / 64.4 ms");
    expect(rows.indexOf(at10k)).to.be.below(rows.indexOf(at1k));
  });

  it("memory: the largest pod count against 100 MiB, the others beside it; finished Diagnoses flat", () => {
    const rows = issueTargets(results());
    const rss = rows.find((r) => r.what.startsWith("operator RSS at"))!;
    expect(rss.what).to.contain("10,000 pods");
    expect(rss.measured).to.equal("95.0 MiB (60.0 MiB at 0 pods, 70.0 MiB at 1,000 pods)");
    expect(rss.met).to.equal(true);
    const finished = rows.find((r) => r.what.includes("finished Diagnoses"))!;
    expect(finished.measured).to.equal("96.0 MiB, 1049 bytes per Diagnosis");
    expect(finished.met).to.equal(true);
    const r = results();
    r.finishedDiagnosesMemory = finishedMemory(2000, 99, (2000 * 5000) / 2 ** 20);
    expect(issueTargets(r).find((x) => x.what.includes("finished Diagnoses"))?.met).to.equal(false);
  });

  it("a benchmark not run is a row that says so, not a pass", () => {
    const rows = issueTargets(results());
    for (const what of [
      "burst",
      "perf script -> collapsed -> SVG",
      "collector start-up: whole process minus the check (memory)",
    ]) {
      const row = rows.find((r) => r.what === what)!;
      expect(row.measured, what).to.equal("not measured in this run");
      expect(row.met, what).to.equal(null);
    }
  });

  it("collector: the whole process printed beside the shell commands, start-up against 50 ms", () => {
    const r = results();
    r.collector = [
      {
        check: "memory",
        target: "JVM",
        runs: 5,
        wallMs: 90,
        checkMs: 50,
        startupMs: 40,
        nodeStartupMs: 35,
        peakRssBytes: null,
        baselineWallMs: 45,
        baselinePeakRssBytes: null,
        ratio: 2,
        sampleSeconds: 2,
      },
    ];
    const rows = issueTargets(r);
    const whole = rows.find((x) => x.what === "collector single check, whole process (memory)")!;
    expect(whole.measured).to.equal(
      "90.0 ms (the check itself 50.0 ms) vs 45.0 ms for the shell commands",
    );
    const startup = rows.find((x) => x.what.startsWith("collector start-up"))!;
    expect([startup.measured, startup.met]).to.deep.equal([
      "40.0 ms; bare node -e 0 35.0 ms, ours 5.0 ms",
      true,
    ]);
    const memory = r.collector[0]!;
    memory.startupMs = 51;
    expect(issueTargets(r).find((x) => x.what.startsWith("collector start-up"))?.met).to.equal(
      false,
    );
    memory.nodeStartupMs = null;
    expect(issueTargets(r).find((x) => x.what.startsWith("collector start-up"))?.measured).to.equal(
      "51.0 ms",
    );
  });

  it("flame graph: our whole-process collapse against 1 s / 100 MB, the render against inferno's", () => {
    const r = results();
    r.flamegraph = flamegraph([800, 90e6], [250, 1.8]);
    const rows = issueTargets(r);
    const collapse = rows.find((x) => x.what.startsWith("perf script -> collapsed,"))!;
    expect([collapse.measured, collapse.met]).to.deep.equal(["800.0 ms, 90 MB", true]);
    const render = rows.find((x) => x.what.startsWith("collapsed -> SVG"))!;
    expect([render.measured, render.met]).to.deep.equal(["250.0 ms, 50 MB: 1.80x inferno", true]);
    r.flamegraph = flamegraph([1200, 90e6], [250, null]);
    const [c2, r2] = issueTargets(r).filter((x) => /^(perf script|collapsed) ->/.test(x.what));
    expect(c2!.met).to.equal(false);
    // Without an inferno run the render ratio is not measured, not a pass.
    expect(r2!.met).to.equal(null);
  });

  it("prints the targets as the last table, failures marked", () => {
    const r = results();
    r.targets = issueTargets(r);
    const text = renderBenchResults(r);
    expect(text).to.contain("== Issue #17 targets (this run)");
    expect(text).to.match(
      /collector Job ADDED, p50, 10,000 pods\s+72\.4 ms: 9\.05x floor\s+<= 3\.0x floor\s+NO/,
    );
  });
});
