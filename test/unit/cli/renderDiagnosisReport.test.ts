import { expect } from "chai";
import type { Diagnosis } from "../../../operator/api/v1alpha1/diagnosis.js";
import {
  checksNotRun,
  renderDiagnosisReport,
} from "../../../operator/cli/renderDiagnosisReport.js";
import { renderTable, wrapText } from "../../../operator/cli/renderTable.js";
import { s1Diagnosis } from "../../support/sampleDiagnoses.js";

const ANSI = /\u001b\[[0-9;]*m/g;

describe("renderDiagnosisReport", () => {
  it("shows target, trigger, phase with duration, verdict and every finding in rank order", () => {
    const text = renderDiagnosisReport(s1Diagnosis(), { width: 140 });
    const lines = text.split("\n");
    expect(lines[0]).to.equal("Diagnosis shop/tomcat-oom");
    expect(text).to.include("Target:    pod tomcat-0, container tomcat, on node worker-3");
    expect(text).to.include("Trigger:   PodRestart (exit 137, OOMKilled, restart #3)");
    expect(text).to.include("Phase:     Succeeded (took 4.0s)");
    expect(text).to.include("Verdict:   OOMKilled by cgroup: JVM max heap 1.95GiB > limit 512MiB");
    expect(text).to.include("Findings (2 Critical, 1 Warning), most severe first:");
    const header = lines.find((l) => l.startsWith("SEVERITY"));
    expect(header).to.match(/^SEVERITY\s+CHECK\s+CODE\s+SUMMARY\s+REMEDIATION$/);
    const codes = lines
      .map((l) => /^(Critical|Warning|Info)\s+\S+\s+(\S+)/.exec(l)?.[2])
      .filter(Boolean);
    expect(codes).to.deep.equal(["JvmHeapExceedsLimit", "CgroupOomKill", "CpuThrottled"]);
    // A finding without a remediation shows a dash, not an empty or shifted cell.
    const oomRow = lines.find((l) => l.includes("CgroupOomKill"))!;
    expect(oomRow.trimEnd()).to.match(/ -$/);
    expect(text).to.include("cpu: unavailable: cpu.stat: not found");
    expect(text).to.not.match(ANSI);
  });

  it("counts later restarts without the Diagnosis' own one", () => {
    const d = s1Diagnosis();
    const trigger = d.status!.trigger!;
    const line = (t: typeof trigger) =>
      renderDiagnosisReport({ ...d, status: { ...d.status, trigger: t } }, { width: 140 })
        .split("\n")
        .find((l) => l.startsWith("Trigger:"));
    expect(line({ ...trigger, restartsObserved: 1 })).to.not.include("later");
    expect(line({ ...trigger, restartsObserved: 3 })).to.include("+ 2 later restarts recorded");
    const { restartCount: _own, ...listedOnly } = trigger;
    expect(line({ ...listedOnly, restartsObserved: 1 })).to.include("+ 1 later restart recorded");
  });

  it("keeps every line within the width and loses no word when wrapping", () => {
    const d = s1Diagnosis();
    const text = renderDiagnosisReport(d, { width: 80 });
    const table = text.slice(text.indexOf("SEVERITY"), text.indexOf("Checks that did not run"));
    for (const line of table.split("\n")) expect(line.length, line).to.be.at.most(80);
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    for (const f of d.status!.findings!) {
      for (const w of words(f.summary))
        expect(table).to.include(w.length > 20 ? w.slice(0, 20) : w);
    }
  });

  it("colours severities and phase only when asked", () => {
    const plain = renderDiagnosisReport(s1Diagnosis(), { color: false });
    const colored = renderDiagnosisReport(s1Diagnosis(), { color: true });
    expect(colored).to.match(/\u001b\[31mCritical/);
    expect(colored).to.match(/\u001b\[32mSucceeded/);
    expect(colored.replace(ANSI, "")).to.equal(plain);
  });

  it("says why a Diagnosis failed and that no findings exist", () => {
    const d: Diagnosis = {
      apiVersion: "diagnose.dev/v1alpha1",
      kind: "Diagnosis",
      metadata: { name: "gone", namespace: "shop" },
      spec: { target: { pod: "web-0" } },
      status: {
        phase: "Failed",
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "TargetNotFound",
            message: 'pod "web-0" not found in namespace shop',
            lastTransitionTime: "2026-11-26T15:00:00Z",
          },
        ],
      },
    };
    const text = renderDiagnosisReport(d);
    expect(text).to.include("Phase:     Failed");
    expect(text).to.include(
      'Why it failed:\n  Failed TargetNotFound: pod "web-0" not found in namespace shop',
    );
    expect(text).to.include("No findings");
  });

  it("renders a Pending node Diagnosis without status", () => {
    const text = renderDiagnosisReport({
      apiVersion: "diagnose.dev/v1alpha1",
      kind: "Diagnosis",
      metadata: { name: "n1", namespace: "default" },
      spec: { target: { node: "worker-1" }, checks: ["softirq"] },
    });
    expect(text).to.include("Target:    node worker-1");
    expect(text).to.include("Phase:     Pending");
    expect(text).to.include("No findings yet (Pending).");
  });

  it("lists only checks that did not run", () => {
    expect(checksNotRun(s1Diagnosis().status!.report)).to.deep.equal([
      { check: "cpu", status: "unavailable", reason: "cpu.stat: not found" },
    ]);
    expect(checksNotRun(undefined)).to.deep.equal([]);
  });
});

describe("renderTable / wrapText", () => {
  it("wraps on word boundaries and cuts words longer than the width", () => {
    expect(wrapText("the quick brown fox", 9)).to.deep.equal(["the quick", "brown fox"]);
    expect(wrapText("abcdefghij", 4)).to.deep.equal(["abcd", "efgh", "ij"]);
    expect(wrapText("", 5)).to.deep.equal([""]);
  });

  it("aligns columns and continues wrapped cells on the next lines", () => {
    const text = renderTable(
      [{ header: "A" }, { header: "TEXT", wrap: true }],
      [
        ["x", "one two three"],
        ["yy", "four"],
      ],
      { width: 12 },
    );
    expect(text.split("\n")).to.deep.equal(["A   TEXT", "x   one two", "    three", "yy  four"]);
  });
});
