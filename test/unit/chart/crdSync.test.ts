import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  CHART_CRD_DIR,
  findCrdDrift,
  SOURCE_CRD_DIR,
  syncCrds,
} from "../../../hack/sync-chart-crds.js";

describe("chart CRDs", () => {
  it("the chart's crds/ holds the same bytes as the generated crds/", () => {
    const source = readdirSync(SOURCE_CRD_DIR).filter((f) => f.endsWith(".yaml"));
    expect(source, "crds/ holds the generated CRD").to.include("diagnose.dev_diagnoses.yaml");
    expect(findCrdDrift(SOURCE_CRD_DIR, CHART_CRD_DIR)).to.deep.equal([]);
  });

  describe("findCrdDrift / syncCrds", () => {
    let dir: string;
    let src: string;
    let chart: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "crd-sync-"));
      src = join(dir, "crds");
      chart = join(dir, "chart-crds");
      mkdirSync(src);
      mkdirSync(chart);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("reports missing, differing (one byte) and stale files, then syncs them away", () => {
      writeFileSync(join(src, "a.yaml"), "kind: A\n");
      writeFileSync(join(src, "b.yaml"), "kind: B\n");
      writeFileSync(join(chart, "b.yaml"), "kind: B \n");
      writeFileSync(join(chart, "old.yaml"), "kind: Old\n");
      expect(findCrdDrift(src, chart)).to.deep.equal([
        { file: "a.yaml", problem: "missing in chart" },
        { file: "b.yaml", problem: "differs" },
        { file: "old.yaml", problem: "not in crds/" },
      ]);
      syncCrds(src, chart);
      expect(findCrdDrift(src, chart)).to.deep.equal([]);
      expect(readdirSync(chart).sort()).to.deep.equal(["a.yaml", "b.yaml"]);
      expect(readFileSync(join(chart, "b.yaml"), "utf8")).to.equal("kind: B\n");
    });
  });
});
