import { expect } from "chai";
import {
  omitJsonMembers,
  underPath,
} from "../../../../operator/controller/runtime/omitJsonMembers.js";
import { largeFinishedStatus } from "../../../support/finishedDiagnoses.js";

const DIAGNOSIS_RULES = [
  { path: ["status", "report"] },
  { path: ["status", "findings"], count: true },
];

/** What the rules should leave of `value`, computed on the parsed object. */
function expected(value: object): unknown {
  const copy = structuredClone(value) as { status?: Record<string, unknown> };
  if (copy.status) {
    delete copy.status.report;
    if (Array.isArray(copy.status.findings)) copy.status.findings = copy.status.findings.length;
  }
  return copy;
}

describe("omitJsonMembers", () => {
  it("drops a member wherever it stands among others (first, middle, last, only) and keeps valid JSON", () => {
    const rules = [{ path: ["status", "report"] }];
    for (const status of [
      { report: { a: 1 }, phase: "x", verdict: "v" },
      { phase: "x", report: { a: [1, 2] }, verdict: "v" },
      { phase: "x", verdict: "v", report: "s" },
      { report: null },
      {},
    ]) {
      for (const text of [
        JSON.stringify({ status, spec: { report: 1 } }),
        JSON.stringify({ status, spec: { report: 1 } }, null, 2),
      ]) {
        const out = omitJsonMembers(text, rules);
        const { report: _r, ...rest } = status as Record<string, unknown>;
        expect(JSON.parse(out), text).to.deep.equal({ status: rest, spec: { report: 1 } });
      }
    }
  });

  it("replaces a counted member with the number of its elements", () => {
    const rules = [{ path: ["f"], count: true }];
    const cases: Array<[unknown, number]> = [
      [[], 0],
      [[1], 1],
      [[{ a: [1, 2, 3] }, "x,y]", [[]], null], 4],
      [{ a: 1, b: { c: 2 } }, 2],
      [" [not an array] ", 0],
    ];
    for (const [f, n] of cases)
      expect(JSON.parse(omitJsonMembers(JSON.stringify({ f, g: 1 }), rules))).to.deep.equal({
        f: n,
        g: 1,
      });
    expect(JSON.parse(omitJsonMembers('{"f" : [ ] ,"g":1}', rules))).to.deep.equal({ f: 0, g: 1 });
  });

  it("is not fooled by quotes, backslashes and brackets inside strings", () => {
    const tricky = {
      're"port': 1,
      status: {
        note: 'a "quoted" \\ back\\slash \\" ] } [ {',
        report: { text: '\\"}]", "report": 1, "x\\\\' },
        findings: ["a,b", "c\\\\", '"]'],
        after: "\\",
      },
    };
    const out = omitJsonMembers(JSON.stringify(tricky), DIAGNOSIS_RULES);
    expect(JSON.parse(out)).to.deep.equal(expected(tricky));
  });

  it("applies under a prefix with * for any element: a list page and a watch event of Diagnoses", () => {
    const items = [0, 1, 2].map((i) => ({
      metadata: { name: `d${i}`, resourceVersion: String(i) },
      spec: { target: { node: "n" } },
      status: largeFinishedStatus(i),
    }));
    items.push({ metadata: { name: "new", resourceVersion: "9" } } as (typeof items)[0]);
    const page = { kind: "DiagnosisList", metadata: { continue: "" }, items };
    const out = omitJsonMembers(JSON.stringify(page), underPath(["items", "*"], DIAGNOSIS_RULES));
    expect(JSON.parse(out)).to.deep.equal({ ...page, items: items.map(expected) });
    expect(out.length).to.be.below(JSON.stringify(page).length / 10);

    const event = { type: "MODIFIED", object: items[1] };
    const line = omitJsonMembers(JSON.stringify(event), underPath(["object"], DIAGNOSIS_RULES));
    expect(JSON.parse(line)).to.deep.equal({ type: "MODIFIED", object: expected(items[1]!) });
  });

  it("returns the text itself when nothing matched, and leaves other paths alone", () => {
    const text = JSON.stringify({ items: [{ spec: { report: 1 } }], status: { report: 2 } });
    expect(omitJsonMembers(text, underPath(["items", "*"], DIAGNOSIS_RULES))).to.equal(text);
    expect(omitJsonMembers(text, [])).to.equal(text);
  });

  it("rejects what is not JSON instead of guessing", () => {
    for (const bad of ['{"status":{"report":"unterminated', '{"status":{"report":', "{status:1}"])
      expect(() => JSON.parse(omitJsonMembers(bad, DIAGNOSIS_RULES)), bad).to.throw(SyntaxError);
  });
});
