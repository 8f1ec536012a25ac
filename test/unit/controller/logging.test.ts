import { expect } from "chai";
import { createOperatorLogger } from "../../../operator/controller/logging.js";

describe("operator logger", () => {
  const at = new Date("2026-01-01T00:00:00Z");
  const capture = (level: Parameters<typeof createOperatorLogger>[0]) => {
    const lines: string[] = [];
    const logger = createOperatorLogger(level, { write: (l: string) => lines.push(l) }, () => at);
    return { logger, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it("writes one JSON object per line: component, level, message, the fields, timestamp", () => {
    const c = capture("info");
    c.logger.info("diagnosis created", { diagnosis: "shop/web-oom-1", restartCount: 3 });
    expect(c.lines()).to.deep.equal([
      {
        component: "diagnose-operator",
        level: "info",
        message: "diagnosis created",
        diagnosis: "shop/web-oom-1",
        restartCount: 3,
        timestamp: "2026-01-01T00:00:00.000Z",
      },
    ]);
  });

  it("writes its level and the ones above, as winston's npm levels rank them", () => {
    const warn = capture("warn");
    for (const m of ["error", "warn", "info", "debug"] as const) warn.logger[m](m);
    expect(warn.lines().map((l) => l.level)).to.deep.equal(["error", "warn"]);
    const verbose = capture("verbose");
    for (const m of ["error", "warn", "info", "debug"] as const) verbose.logger[m](m);
    expect(verbose.lines().map((l) => l.level)).to.deep.equal(["error", "warn", "info"]);
  });

  it("never throws on a field: an Error is its stack, a cycle or a bigint is text", () => {
    const c = capture("debug");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    c.logger.error("failed", { error: new Error("boom"), big: 10n, cycle, level: "spoofed" });
    const [l] = c.lines();
    expect(l?.error).to.match(/^Error: boom\n\s+at /);
    expect(l?.big).to.equal("10");
    expect(l?.cycle).to.equal("[object Object]");
    expect(l?.level).to.equal("error");
  });
});
