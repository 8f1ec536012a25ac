import { expect } from "chai";
import { ObjectStore } from "../../../../operator/controller/runtime/objectStore.js";

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string; node?: string[] };
}

function obj(namespace: string | undefined, name: string, node: string[] = [], rv = "1"): Obj {
  return { metadata: { name, namespace, resourceVersion: rv, node } };
}

const names = (objs: readonly Obj[]): string[] => objs.map((o) => o.metadata.name).sort();

describe("ObjectStore", () => {
  it("lists by namespace, and everything without one", () => {
    const s = new ObjectStore<Obj>();
    s.set(obj("a", "x"));
    s.set(obj("a", "y"));
    s.set(obj("b", "z"));
    s.set(obj(undefined, "cluster-scoped"));
    expect(names(s.list("a"))).to.deep.equal(["x", "y"]);
    expect(names(s.list("b"))).to.deep.equal(["z"]);
    expect(names(s.list())).to.deep.equal(["cluster-scoped", "x", "y", "z"]);
    s.delete("a/x");
    s.delete("b/z");
    expect(names(s.list("a"))).to.deep.equal(["y"]);
    expect(s.list("b")).to.deep.equal([]);
    expect(s.get("cluster-scoped")?.metadata.name).to.equal("cluster-scoped");
  });

  it("finds objects by a named index, following updates and deletes", () => {
    const s = new ObjectStore<Obj>();
    s.addIndex("node", (o) => o.metadata.node ?? []);
    s.set(obj("a", "x", ["n1"]));
    s.set(obj("a", "y", ["n1", "n2"]));
    s.set(obj("b", "z", []));
    expect(names(s.byIndex("node", "n1"))).to.deep.equal(["x", "y"]);
    expect(names(s.byIndex("node", "n2"))).to.deep.equal(["y"]);
    expect(s.byIndex("node", "n3")).to.deep.equal([]);

    s.set(obj("a", "x", ["n2"], "2"));
    expect(names(s.byIndex("node", "n1")), "x moved off n1").to.deep.equal(["y"]);
    expect(names(s.byIndex("node", "n2"))).to.deep.equal(["x", "y"]);
    expect(
      s.byIndex("node", "n2").find((o) => o.metadata.name === "x")?.metadata.resourceVersion,
    ).to.equal("2");

    s.delete("a/y");
    expect(s.byIndex("node", "n1")).to.deep.equal([]);
    expect(names(s.byIndex("node", "n2"))).to.deep.equal(["x"]);

    // A value held by one key, then two, then one again, then none.
    s.set(obj("b", "w", ["n2"]));
    expect(names(s.byIndex("node", "n2"))).to.deep.equal(["w", "x"]);
    s.set(obj("b", "w", ["n2"], "3"));
    expect(names(s.byIndex("node", "n2")), "an update keeps both").to.deep.equal(["w", "x"]);
    s.delete("a/x");
    expect(names(s.byIndex("node", "n2"))).to.deep.equal(["w"]);
    s.set(obj("a", "x", ["n2"], "4"));
    expect(names(s.byIndex("node", "n2"))).to.deep.equal(["w", "x"]);
    s.delete("b/w");
    s.delete("a/x");
    expect(s.byIndex("node", "n2")).to.deep.equal([]);
  });

  it("indexes what is already stored when an index is added", () => {
    const s = new ObjectStore<Obj>();
    s.set(obj("a", "x", ["n1"]));
    s.addIndex("node", (o) => o.metadata.node ?? []);
    expect(names(s.byIndex("node", "n1"))).to.deep.equal(["x"]);
  });

  it("refuses an unknown or duplicate index name", () => {
    const s = new ObjectStore<Obj>();
    s.addIndex("node", () => []);
    expect(() => s.addIndex("node", () => [])).to.throw(/already exists/);
    expect(() => s.byIndex("nodes", "n1")).to.throw(/no index nodes/);
  });

  it("an index function that throws indexes nothing for that object, and stores it anyway", () => {
    const s = new ObjectStore<Obj>();
    s.addIndex("node", (o) => {
      if (o.metadata.name === "bad") throw new Error("boom");
      return o.metadata.node ?? [];
    });
    s.set(obj("a", "bad", ["n1"]));
    s.set(obj("a", "good", ["n1"]));
    expect(names(s.byIndex("node", "n1"))).to.deep.equal(["good"]);
    expect(s.get("a/bad")).to.not.equal(undefined);
  });
});
