import { expect } from "chai";
import { diffRelist } from "../../../../operator/controller/runtime/relistDiff.js";

const o = (name: string, rv: string, namespace = "ns") => ({
  metadata: { name, namespace, resourceVersion: rv },
});

describe("diffRelist", () => {
  it("finds adds, updates (changed resourceVersion) and deletes; unchanged objects produce nothing", () => {
    const cached = new Map([
      ["ns/same", o("same", "1")],
      ["ns/changed", o("changed", "2")],
      ["ns/deleted", o("deleted", "3")],
    ]);
    const d = diffRelist(cached, [o("same", "1"), o("changed", "9"), o("new", "10")]);
    expect(d.added.map((x) => x.metadata.name)).to.deep.equal(["new"]);
    expect(
      d.updated.map((u) => [u.oldObj.metadata.resourceVersion, u.newObj.metadata.resourceVersion]),
    ).to.deep.equal([["2", "9"]]);
    expect(d.deleted.map((x) => x.metadata.name)).to.deep.equal(["deleted"]);
  });

  it("keys by namespace and name (same name in two namespaces are different objects)", () => {
    const cached = new Map([["a/x", o("x", "1", "a")]]);
    const d = diffRelist(cached, [o("x", "1", "b")]);
    expect(d.added).to.have.length(1);
    expect(d.deleted).to.have.length(1);
  });

  it("an empty list deletes everything; an empty cache adds everything", () => {
    expect(diffRelist(new Map([["ns/a", o("a", "1")]]), []).deleted).to.have.length(1);
    expect(diffRelist(new Map(), [o("a", "1"), o("b", "1")]).added).to.have.length(2);
  });

  it("keeps cached objects newer than the list's snapshot (recorded writes): no downgrade, no delete", () => {
    const cached = new Map([
      ["ns/written", o("written", "12")],
      ["ns/created", o("created", "13")],
      ["ns/gone", o("gone", "5")],
    ]);
    const d = diffRelist(cached, [o("written", "7")], "10");
    expect(d.updated).to.deep.equal([]);
    expect(d.deleted.map((x) => x.metadata.name)).to.deep.equal(["gone"]);
  });
});
