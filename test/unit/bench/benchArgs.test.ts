import { expect } from "chai";
import { BENCH_NAMES, benchPlan, parseBenchArgs } from "../../bench/benchArgs.js";

describe("bench arguments", () => {
  it("runs everything, full size, no JSON by default", () => {
    const r = parseBenchArgs([]);
    expect(r.kind).to.equal("options");
    if (r.kind !== "options") return;
    expect(r.options.quick).to.equal(false);
    expect(r.options.jsonPath).to.equal(undefined);
    expect([...r.options.only]).to.deep.equal([...BENCH_NAMES]);
    expect(r.options.operatorFromSource).to.equal(false);
    expect(r.options.operatorTsc).to.equal(false);
    expect(r.options.operatorNodeOptions).to.equal(undefined);
  });

  it("takes --operator-tsc, but not together with --operator-from-source", () => {
    const r = parseBenchArgs(["--operator-tsc"]);
    expect(r.kind).to.equal("options");
    if (r.kind !== "options") return;
    expect(r.options.operatorTsc).to.equal(true);
    expect(r.options.operatorFromSource).to.equal(false);
    expect(parseBenchArgs(["--operator-tsc", "--operator-from-source"]).kind).to.equal("error");
  });

  it("takes --operator-from-source and --operator-node-options (a value that starts with --)", () => {
    const r = parseBenchArgs([
      "--operator-from-source",
      "--operator-node-options",
      "--max-semi-space-size=1 --max-old-space-size=96",
    ]);
    expect(r.kind).to.equal("options");
    if (r.kind !== "options") return;
    expect(r.options.operatorFromSource).to.equal(true);
    expect(r.options.operatorNodeOptions).to.equal(
      "--max-semi-space-size=1 --max-old-space-size=96",
    );
    expect(parseBenchArgs(["--operator-node-options"]).kind).to.equal("error");
  });

  it("takes --quick, --json FILE and --only a,b (also --flag=value)", () => {
    const r = parseBenchArgs(["--quick", "--json", "out.json", "--only=burst,flamegraph"]);
    expect(r.kind).to.equal("options");
    if (r.kind !== "options") return;
    expect(r.options.quick).to.equal(true);
    expect(r.options.jsonPath).to.equal("out.json");
    expect([...r.options.only]).to.deep.equal(["burst", "flamegraph"]);
  });

  it("names the unknown benchmark and the known ones", () => {
    const r = parseBenchArgs(["--only", "reaction,latency"]);
    expect(r.kind).to.equal("error");
    if (r.kind === "error") {
      expect(r.message).to.contain("latency");
      expect(r.message).to.contain("flamegraph");
    }
  });

  it("refuses a missing value and unknown flags", () => {
    expect(parseBenchArgs(["--json"]).kind).to.equal("error");
    expect(parseBenchArgs(["--only"]).kind).to.equal("error");
    expect(parseBenchArgs(["--fast"]).kind).to.equal("error");
    expect(parseBenchArgs(["--help"]).kind).to.equal("help");
  });

  it("sizes the quick run down and the full run as the issue asks", () => {
    const quick = benchPlan(true);
    expect(quick.podCounts).to.deep.equal([1000]);
    expect(quick.reactionEvents).to.equal(50);
    expect(quick.burst).to.include({ restarts: 200, workloads: 20 });
    expect(quick.collectorRuns).to.equal(1);
    const full = benchPlan(false);
    expect(full.podCounts).to.deep.equal([1000, 10_000]);
    expect(full.reactionEvents).to.be.at.least(200);
    expect(full.burst).to.include({ restarts: 1000, workloads: 100, windowSeconds: 10 });
    expect(full.flamegraph.samples).to.equal(100_000);
  });
});
