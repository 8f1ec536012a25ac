import { expect } from "chai";
import { type MetaTable, renderMetaTable } from "../../demo/diagTable.js";

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

describe("demo: the API server's table for kubectl get diag", () => {
  it("prints the server's Table as kubectl does (blank cells for unset fields)", () => {
    expect(renderMetaTable(CAPTURED, "demo")).to.equal(
      [
        "NAME          TARGET   NODE   PHASE   VERDICT   AGE",
        "web-network   web                               0s",
      ].join("\n"),
    );
  });

  it("hides wide-only columns (priority > 0), as kubectl does without -o wide", () => {
    const table: MetaTable = {
      columnDefinitions: [
        { name: "Name", type: "string" },
        { name: "Extra", type: "string", priority: 1 },
        { name: "Age", type: "date" },
      ],
      rows: [{ cells: ["a", "hidden", "3m30s"] }],
    };
    expect(renderMetaTable(table, "demo")).to.equal("NAME   AGE\na      3m30s");
  });

  it("says so when there is nothing", () => {
    expect(
      renderMetaTable({ columnDefinitions: CAPTURED.columnDefinitions, rows: [] }, "demo"),
    ).to.equal("No resources found in demo namespace.");
  });
});
