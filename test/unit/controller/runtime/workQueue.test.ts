import { expect } from "chai";
import { WorkQueue } from "../../../../operator/controller/runtime/workQueue.js";
import { FakeTimers } from "./fakeTimers.js";

function newQueue(timers = new FakeTimers()) {
  const depths: number[] = [];
  const queue = new WorkQueue({ name: "test", timers, onDepth: (d) => depths.push(d) });
  return { queue, timers, depths };
}

describe("WorkQueue", () => {
  it("merges duplicate keys", async () => {
    const { queue } = newQueue();
    queue.add("ns/a");
    queue.add("ns/b");
    queue.add("ns/a");
    expect(queue.len()).to.equal(2);
    expect(await queue.get()).to.equal("ns/a");
    expect(await queue.get()).to.equal("ns/b");
    expect(queue.len()).to.equal(0);
  });

  it("never hands a key being processed to a second worker, and re-queues it once after done()", async () => {
    const { queue } = newQueue();
    queue.add("ns/a");
    const key = await queue.get();
    expect(key).to.equal("ns/a");
    queue.add("ns/a");
    queue.add("ns/a");
    expect(queue.len(), "not queued while in flight").to.equal(0);
    let second: string | undefined = "pending";
    void queue.get().then((k) => {
      second = k;
    });
    await Promise.resolve();
    expect(second, "a waiting worker does not get the in-flight key").to.equal("pending");
    queue.done("ns/a");
    await Promise.resolve();
    expect(second).to.equal("ns/a");
    queue.done("ns/a");
    expect(queue.len(), "requeued exactly once").to.equal(0);
  });

  it("hands a key straight to a waiting worker", async () => {
    const { queue } = newQueue();
    const got = queue.get();
    queue.add("ns/x");
    expect(await got).to.equal("ns/x");
  });

  it("addAfter adds the key when the delay elapses, keeping the earliest deadline", async () => {
    const { queue, timers } = newQueue();
    queue.addAfter("ns/a", 1000);
    queue.addAfter("ns/a", 300);
    queue.addAfter("ns/a", 5000);
    timers.advance(299);
    expect(queue.len()).to.equal(0);
    timers.advance(1);
    expect(queue.len()).to.equal(1);
    expect(await queue.get()).to.equal("ns/a");
    queue.done("ns/a");
    timers.advance(10_000);
    expect(queue.len(), "later deadlines were merged into the earliest").to.equal(0);
  });

  it("delayed keys wait behind one timer and come due in deadline order", async () => {
    const { queue, timers } = newQueue();
    const delays = [5000, 100, 86_400_000, 2500, 150, 7000, 1];
    for (const [i, ms] of delays.entries()) queue.addAfter(`ns/k${i}`, ms);
    expect(timers.pending(), "one timer for all of them").to.equal(1);
    const seen: string[] = [];
    for (const step of [1, 99, 2400, 2500, 2000, 86_400_000]) {
      timers.advance(step);
      while (queue.len() > 0) {
        const key = (await queue.get())!;
        seen.push(key);
        queue.done(key);
      }
      expect(timers.pending()).to.be.at.most(1);
    }
    expect(seen).to.deep.equal(["ns/k6", "ns/k1", "ns/k4", "ns/k3", "ns/k0", "ns/k5", "ns/k2"]);
    expect(timers.pending(), "no timer left once none waits").to.equal(0);
  });

  it("a delay beyond setTimeout's range waits in steps, not 1 ms", () => {
    const { queue, timers } = newQueue();
    const days40 = 40 * 86_400_000;
    queue.addAfter("ns/far", days40);
    timers.advance(2 ** 31);
    expect(queue.len(), "still waiting after one timer's longest delay").to.equal(0);
    timers.advance(days40 - 2 ** 31 - 1);
    expect(queue.len()).to.equal(0);
    timers.advance(1);
    expect(queue.len()).to.equal(1);
  });

  it("an earlier deadline for a waiting key moves the one timer forward", () => {
    const { queue, timers } = newQueue();
    queue.addAfter("ns/a", 10_000);
    queue.addAfter("ns/b", 20_000);
    queue.addAfter("ns/b", 50);
    expect(timers.pending()).to.equal(1);
    timers.advance(50);
    expect(queue.len()).to.equal(1);
    timers.advance(9_949);
    expect(queue.len()).to.equal(1);
    timers.advance(1);
    expect(queue.len()).to.equal(2);
  });

  it("addAfter with a non-positive delay adds at once", () => {
    const { queue } = newQueue();
    queue.addAfter("ns/a", 0);
    expect(queue.len()).to.equal(1);
  });

  it("addRateLimited backs off per key exponentially; forget resets", async () => {
    const { queue, timers } = newQueue();
    const readyAfter = async (): Promise<number> => {
      const start = timers.now();
      queue.addRateLimited("ns/a");
      for (let i = 0; i < 10_000_000 && queue.len() === 0; i++) timers.advance(1);
      const waited = timers.now() - start;
      queue.done((await queue.get()) as string);
      return waited;
    };
    const waits = [await readyAfter(), await readyAfter(), await readyAfter(), await readyAfter()];
    expect(waits).to.deep.equal([5, 10, 20, 40]);
    expect(queue.numRequeues("ns/a")).to.equal(4);
    queue.forget("ns/a");
    expect(queue.numRequeues("ns/a")).to.equal(0);
    expect(await readyAfter()).to.equal(5);
  });

  it("reports depth changes", async () => {
    const { queue, depths } = newQueue();
    queue.add("a");
    queue.add("b");
    await queue.get();
    expect(depths).to.deep.equal([1, 2, 1]);
  });

  it("shutDown releases waiting workers, drops queued and delayed keys, and waits for in-flight work", async () => {
    const { queue, timers } = newQueue();
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 100);
    const inFlight = await queue.get();
    let drained = false;
    const waiting = queue.get();
    const shut = queue.shutDown().then(() => {
      drained = true;
    });
    expect(
      await waiting,
      "the other worker is released... after the queued key is dropped",
    ).to.equal("b");
    queue.done("b");
    await Promise.resolve();
    expect(drained, "still waiting for the in-flight key").to.equal(false);
    queue.done(inFlight as string);
    await shut;
    expect(drained).to.equal(true);
    expect(await queue.get()).to.equal(undefined);
    queue.add("d");
    timers.advance(1000);
    expect(queue.len(), "no adds after shutdown, delayed adds cancelled").to.equal(0);
    expect(timers.pending()).to.equal(0);
  });
});

describe("WorkQueue metrics hooks", () => {
  it("reports how long each key waited before a worker took it (client-go's queue duration)", async () => {
    const timers = new FakeTimers();
    const waited: number[] = [];
    const queue = new WorkQueue({ name: "test", timers, onQueueDuration: (ms) => waited.push(ms) });
    queue.add("ns/a");
    timers.advance(40);
    queue.add("ns/b");
    timers.advance(10);
    expect(await queue.get()).to.equal("ns/a");
    expect(await queue.get()).to.equal("ns/b");
    expect(waited).to.deep.equal([50, 10]);

    // Re-added while in flight: waits from that add until done() hands it out again.
    queue.add("ns/a");
    timers.advance(5);
    queue.done("ns/a");
    expect(await queue.get()).to.equal("ns/a");
    // Straight to a waiting worker: no wait at all.
    const next = queue.get();
    queue.add("ns/c");
    expect(await next).to.equal("ns/c");
    expect(waited).to.deep.equal([50, 10, 5, 0]);
  });

  it("counts an add only when the key was not queued already (client-go's adds)", async () => {
    let adds = 0;
    const queue = new WorkQueue({ name: "test", timers: new FakeTimers(), onAdd: () => adds++ });
    queue.add("ns/a");
    queue.add("ns/a");
    queue.add("ns/b");
    expect(adds).to.equal(2);
    expect(await queue.get()).to.equal("ns/a");
    queue.add("ns/a");
    queue.add("ns/a");
    expect(adds, "one more while in flight").to.equal(3);
  });
});
