import { expect } from "chai";
import type { Finding } from "../../../../operator/api/v1alpha1/diagnosis.js";
import {
  effectiveChecks,
  mergeFindings,
  specProblem,
  stableStringify,
  verdictFor,
} from "../../../../operator/controller/diagnosis/diagnosisRules.js";

const f = (code: string, severity: Finding["severity"], source: Finding["source"]): Finding => ({
  check: "memory",
  severity,
  code,
  summary: code,
  source,
});

describe("diagnosis rules", () => {
  it("defaults checks by target and adds profile when asked for", () => {
    expect(effectiveChecks({ target: { pod: "p" } })).to.deep.equal([
      "memory",
      "jvm",
      "cpu",
      "network",
      "softirq",
    ]);
    expect(effectiveChecks({ target: { node: "n" }, profile: {} })).to.deep.equal([
      "network",
      "softirq",
      "profile",
    ]);
    expect(effectiveChecks({ target: { pod: "p" }, checks: ["jvm", "jvm"] })).to.deep.equal([
      "jvm",
    ]);
  });

  it("rejects what the schema cannot express", () => {
    expect(specProblem({ target: { pod: "p" } })).to.equal(undefined);
    expect(specProblem({ target: { node: "n" }, checks: ["memory"] })).to.match(
      /need spec.target.pod/,
    );
    expect(specProblem({ target: { pod: "p" }, checks: ["cpu"], profile: {} })).to.match(
      /does not include profile/,
    );
    expect(specProblem({ target: { node: "n" }, profile: { durationSeconds: 115 } })).to.match(
      /must fit in timeoutSeconds \(120\)/,
    );
    expect(specProblem({ target: { node: "n" }, profile: { durationSeconds: 110 } })).to.equal(
      undefined,
    );
  });

  it("merges collector and pod-spec findings: collector wins a shared code, ranked", () => {
    const merged = mergeFindings(
      [f("A", "Warning", "PodSpec"), f("B", "Info", undefined)],
      [f("A", "Critical", "PodSpec"), f("C", "Critical", "PodSpec")],
    );
    expect(merged.map((x) => [x.code, x.severity, x.source])).to.deep.equal([
      ["C", "Critical", "PodSpec"],
      ["A", "Warning", "Collector"],
      ["B", "Info", "Collector"],
    ]);
    const big = mergeFindings(
      [{ ...f("X", "Info", "Collector"), evidence: { s: "x".repeat(5000) } }],
      [],
    );
    expect(big[0]!.evidence).to.deep.equal({ truncated: true, bytes: 5008 });
  });

  it("drops a pod-spec finding the collector states again with its own code", () => {
    const merged = mergeFindings(
      [f("OOMKilledByCgroup", "Critical", undefined)],
      [f("ContainerOOMKilled", "Critical", "PodSpec"), f("NoMemoryLimit", "Warning", "PodSpec")],
    );
    expect(merged.map((x) => x.code)).to.deep.equal(["OOMKilledByCgroup", "NoMemoryLimit"]);
  });

  it("the running JVM's footprint settles the pod spec's heap findings", () => {
    const merged = mergeFindings(
      [f("JvmFootprintExceedsLimit", "Warning", undefined)],
      [
        f("JvmHeapNearLimit", "Warning", "PodSpec"),
        f("JvmHeapExceedsLimit", "Critical", "PodSpec"),
      ],
    );
    expect(merged.map((x) => x.code)).to.deep.equal(["JvmFootprintExceedsLimit"]);
    // No JVM seen on the node (not running, or not found): the pod spec's finding stays.
    expect(
      mergeFindings([], [f("JvmHeapExceedsLimit", "Critical", "PodSpec")]).map((x) => x.code),
    ).to.deep.equal(["JvmHeapExceedsLimit"]);
  });

  it("verdict: a short line for the column and the whole sentence", () => {
    expect(verdictFor([f("A", "Critical", "Collector")], ["memory"])).to.deep.equal({
      line: "Critical A: A",
      sentence: "Critical: A",
    });
    expect(verdictFor([], ["memory", "cpu"])).to.deep.equal({
      line: "OK: no problems found",
      sentence: "No problems found (checks: memory, cpu)",
    });
  });

  it("compares objects by content regardless of key order", () => {
    expect(stableStringify({ b: 1, a: [{ y: 2, x: undefined }] })).to.equal(
      stableStringify({ a: [{ y: 2 }], b: 1 }),
    );
    expect(stableStringify({ a: 1 })).to.not.equal(stableStringify({ a: 2 }));
  });
});
