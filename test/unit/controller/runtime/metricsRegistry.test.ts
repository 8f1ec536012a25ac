import { expect } from "chai";
import { MetricsRegistry } from "../../../../operator/controller/runtime/metricsRegistry.js";

describe("MetricsRegistry", () => {
  it("renders counters, gauges and callback gauges in the Prometheus text format", () => {
    const r = new MetricsRegistry();
    const c = r.counter("reconcile_total", "Reconciles.", ["controller", "result"]);
    c.inc({ controller: "diagnosis", result: "success" });
    c.inc({ result: "success", controller: "diagnosis" }, 2);
    c.inc({ controller: "trigger", result: "error" });
    r.gauge("queue_depth", "Depth.", ["queue"]).set({ queue: "diagnosis" }, 7);
    r.registerGauge("diagnoses", "Diagnoses by phase.", () => [
      { labels: { phase: "Running", verdict: "" }, value: 2 },
      { labels: { phase: 'we"ird\\\n', verdict: "x" }, value: 1 },
    ]);
    expect(r.render()).to.equal(
      [
        "# HELP reconcile_total Reconciles.",
        "# TYPE reconcile_total counter",
        'reconcile_total{controller="diagnosis",result="success"} 3',
        'reconcile_total{controller="trigger",result="error"} 1',
        "# HELP queue_depth Depth.",
        "# TYPE queue_depth gauge",
        'queue_depth{queue="diagnosis"} 7',
        "# HELP diagnoses Diagnoses by phase.",
        "# TYPE diagnoses gauge",
        'diagnoses{phase="Running",verdict=""} 2',
        'diagnoses{phase="we\\"ird\\\\\\n",verdict="x"} 1',
        "",
      ].join("\n"),
    );
  });

  it("renders cumulative histogram buckets with +Inf, sum and count", () => {
    const r = new MetricsRegistry();
    const h = r.histogram("dur_seconds", "Duration.", ["controller"], [0.1, 1]);
    h.observe({ controller: "d" }, 0.05);
    h.observe({ controller: "d" }, 0.5);
    h.observe({ controller: "d" }, 3);
    const text = r.render();
    expect(text).to.contain('dur_seconds_bucket{controller="d",le="0.1"} 1\n');
    expect(text).to.contain('dur_seconds_bucket{controller="d",le="1"} 2\n');
    expect(text).to.contain('dur_seconds_bucket{controller="d",le="+Inf"} 3\n');
    expect(text).to.contain('dur_seconds_sum{controller="d"} 3.55\n');
    expect(text).to.contain('dur_seconds_count{controller="d"} 3\n');
  });

  it("returns the same counter for the same name and rejects bad names, labels and conflicts", () => {
    const r = new MetricsRegistry();
    expect(r.counter("a_total", "A.")).to.equal(r.counter("a_total", "A."));
    expect(() => r.gauge("a_total", "A.")).to.throw("already registered");
    expect(() => r.counter("bad-name", "x")).to.throw("invalid metric name");
    expect(() => r.counter("b_total", "x", ["le"])).to.throw("invalid label name");
    expect(() => r.counter("a_total", "A.").inc({ extra: "1" })).to.throw("do not match");
    expect(() => r.counter("a_total", "A.").inc({}, -1)).to.throw("negative");
  });

  it("a throwing callback gauge renders no samples instead of failing the scrape", () => {
    const r = new MetricsRegistry();
    r.registerGauge("broken", "Broken.", () => {
      throw new Error("boom");
    });
    r.gauge("fine", "Fine.").set({}, 1);
    expect(r.render()).to.contain("fine 1\n");
  });
});
