import { expect } from "chai";
import { formatAge, type MetaTable, renderMetaTable } from "../../demo/diagTable.js";

// Captured from kube-apiserver v1.34.4 (GET .../diagnoses with Accept as=Table) right after a
// Diagnosis was created, trimmed to the fields kubectl prints; `kubectl get diag` printed the
// expected text below against the same server.
const CAPTURED: MetaTable = {
  columnDefinitions: [
    { name: "Name", type: "string", priority: 0 },
    { name: "Target", type: "string", priority: 0 },
    { name: "Node", type: "string", priority: 0 },
    { name: "Phase", type: "string", priority: 0 },
    { name: "Verdict", type: "string", priority: 0 },
    { name: "Age", type: "date", priority: 0 },
  ],
  rows: [{ cells: ["web-network", "web", null, null, null, "0s"] }],
};

describe("demo: kubectl get diag", () => {
  it("prints the server's Table as kubectl does (blank cells for unset fields)", () => {
    expect(renderMetaTable(CAPTURED, new Date(), "demo")).to.equal(
      [
        "NAME          TARGET   NODE   PHASE   VERDICT   AGE",
        "web-network   web                               0s",
      ].join("\n"),
    );
  });

  it("hides wide-only columns and turns a raw timestamp into an age", () => {
    const table: MetaTable = {
      columnDefinitions: [
        { name: "Name", type: "string" },
        { name: "Extra", type: "string", priority: 1 },
        { name: "Age", type: "date" },
      ],
      rows: [{ cells: ["a", "hidden", "2026-01-01T10:00:00Z"] }],
    };
    const out = renderMetaTable(table, new Date("2026-01-01T10:03:30Z"), "demo");
    expect(out).to.equal("NAME   AGE\na      3m30s");
  });

  it("says so when there is nothing", () => {
    expect(
      renderMetaTable(
        { columnDefinitions: CAPTURED.columnDefinitions, rows: [] },
        new Date(),
        "demo",
      ),
    ).to.equal("No resources found in demo namespace.");
  });

  it("formats ages like kubectl's HumanDuration", () => {
    const s = 1000;
    expect(formatAge(5 * s)).to.equal("5s");
    expect(formatAge(119 * s)).to.equal("119s");
    expect(formatAge(120 * s)).to.equal("2m");
    expect(formatAge(125 * s)).to.equal("2m5s");
    expect(formatAge(45 * 60 * s)).to.equal("45m");
    expect(formatAge(3 * 3600 * s + 60 * s)).to.equal("3h1m");
    expect(formatAge(30 * 3600 * s)).to.equal("30h");
    expect(formatAge(3 * 86400 * s)).to.equal("3d");
    expect(formatAge(3 * 86400 * s + 3600 * s)).to.equal("3d1h");
    expect(formatAge(400 * 86400 * s)).to.equal("400d");
    expect(formatAge(-5 * s)).to.equal("<invalid>");
  });
});
