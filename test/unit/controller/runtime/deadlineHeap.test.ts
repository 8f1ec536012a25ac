import { expect } from "chai";
import { DeadlineHeap } from "../../../../operator/controller/runtime/deadlineHeap.js";

/** A deterministic pseudo-random sequence, so a failure reproduces. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x;
  };
}

describe("DeadlineHeap", () => {
  it("pops due keys earliest first and keeps later ones", () => {
    const heap = new DeadlineHeap<string>();
    heap.set("c", 30);
    heap.set("a", 10);
    heap.set("b", 20);
    expect(heap.earliest()).to.equal(10);
    expect(heap.popDue(25)).to.equal("a");
    expect(heap.popDue(25)).to.equal("b");
    expect(heap.popDue(25)).to.equal(undefined);
    expect(heap.size()).to.equal(1);
    expect(heap.deadlineOf("c")).to.equal(30);
    expect(heap.deadlineOf("a")).to.equal(undefined);
  });

  it("moves a key's deadline either way", () => {
    const heap = new DeadlineHeap<string>();
    for (const [k, at] of [
      ["a", 10],
      ["b", 20],
      ["c", 30],
      ["d", 40],
    ] as const)
      heap.set(k, at);
    heap.set("d", 5);
    heap.set("a", 35);
    const order: string[] = [];
    for (let k = heap.popDue(100); k !== undefined; k = heap.popDue(100)) order.push(k);
    expect(order).to.deep.equal(["d", "b", "c", "a"]);
  });

  it("agrees with a sorted list over random sets, moves and pops", () => {
    const next = lcg(17);
    const heap = new DeadlineHeap<number>();
    const model = new Map<number, number>();
    for (let step = 0; step < 5000; step++) {
      const op = next() % 4;
      if (op < 3) {
        const key = next() % 200;
        const at = next() % 10_000;
        heap.set(key, at);
        model.set(key, at);
      } else {
        const now = next() % 10_000;
        const key = heap.popDue(now);
        const due = [...model].filter(([, at]) => at <= now).sort((x, y) => x[1] - y[1])[0];
        if (!due) expect(key).to.equal(undefined);
        else {
          expect(key).to.not.equal(undefined);
          expect(model.get(key!)).to.equal(due[1]);
          model.delete(key!);
        }
      }
      expect(heap.size()).to.equal(model.size);
    }
  });
});
