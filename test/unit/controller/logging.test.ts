import { Writable } from "node:stream";
import { expect } from "chai";
import { createOperatorLogger } from "../../../operator/controller/logging.js";

describe("operator logger (winston)", () => {
  const capture = (level: Parameters<typeof createOperatorLogger>[0]) => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        done();
      },
    });
    const logger = createOperatorLogger(level, stream);
    return { logger, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };
  // winston's Stream transport writes on the next turn of the event loop.
  const flushed = () => new Promise((resolve) => setImmediate(resolve));

  it("writes one JSON object per line: component, level, message, the fields, timestamp", async () => {
    const c = capture("info");
    c.logger.info("diagnosis created", { diagnosis: "shop/web-oom-1", restartCount: 3 });
    await flushed();
    const [line, ...rest] = c.lines();
    expect(rest).to.deep.equal([]);
    const { timestamp, ...fields } = line ?? {};
    expect(fields).to.deep.equal({
      component: "diagnose-operator",
      level: "info",
      message: "diagnosis created",
      diagnosis: "shop/web-oom-1",
      restartCount: 3,
    });
    expect(new Date(String(timestamp)).toISOString()).to.equal(timestamp);
  });

  it("writes its level and the ones above, as npm's levels rank them", async () => {
    const warn = capture("warn");
    for (const m of ["error", "warn", "info", "debug"] as const) warn.logger[m](m);
    const verbose = capture("verbose");
    for (const m of ["error", "warn", "info", "debug"] as const) verbose.logger[m](m);
    await flushed();
    expect(warn.lines().map((l) => l.level)).to.deep.equal(["error", "warn"]);
    expect(verbose.lines().map((l) => l.level)).to.deep.equal(["error", "warn", "info"]);
  });
});
