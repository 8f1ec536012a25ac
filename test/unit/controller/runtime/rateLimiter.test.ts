import { expect } from "chai";
import { ExponentialFailureRateLimiter } from "../../../../operator/controller/runtime/rateLimiter.js";

describe("ExponentialFailureRateLimiter", () => {
  it("doubles from the base delay up to the cap, per key", () => {
    const rl = new ExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 5 * 60_000 });
    const delays = Array.from({ length: 20 }, () => rl.when("a"));
    expect(delays.slice(0, 5)).to.deep.equal([5, 10, 20, 40, 80]);
    expect(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number))).to.equal(true);
    expect(delays.at(-1)).to.equal(300_000);
    expect(Math.max(...delays)).to.equal(300_000);
    expect(rl.when("b"), "other keys are independent").to.equal(5);
  });

  it("stays at the cap after very many failures (no overflow)", () => {
    const rl = new ExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 1000 });
    let d = 0;
    for (let i = 0; i < 2000; i++) d = rl.when("a");
    expect(d).to.equal(1000);
  });
});
