import { expect } from "chai";
import { runBounded } from "../../bench/boundedPool.js";
import { parseGnuTimeMaxRss } from "../../bench/collectorBench.js";
import { EventTimes, podOfTriggeredDiagnosis } from "../../bench/eventTimes.js";
import { routeOf } from "../../bench/requestRoute.js";
import { metricValue, reconcileStats } from "../../support/prometheusText.js";

describe("bench plumbing", () => {
  it("names apiserver requests by verb and resource", () => {
    expect(routeOf("PATCH", "/api/v1/namespaces/bench/pods/p-1/status")).to.equal(
      "PATCH pods/status",
    );
    expect(routeOf("GET", "/apis/diagnose.dev/v1alpha1/namespaces/b/diagnoses/x")).to.equal(
      "GET diagnoses",
    );
    expect(routeOf("GET", "/api/v1/pods?limit=500&watch=true&resourceVersion=5")).to.equal(
      "WATCH pods",
    );
    expect(routeOf("GET", "/api/v1/namespaces/bench")).to.equal("GET namespaces");
    expect(routeOf("PUT", "/apis/coordination.k8s.io/v1/namespaces/s/leases/op")).to.equal(
      "PUT leases",
    );
    expect(routeOf("GET", "/version")).to.equal("GET /version");
  });

  it("reads one sample from Prometheus text", () => {
    const text = [
      "# HELP diagnose_operator_leader 1 while leader",
      "diagnose_operator_leader_changes_total 4",
      "diagnose_operator_leader 1",
      'diagnose_operator_informer_objects{informer="pods"} 1010',
      'diagnose_operator_informer_objects{informer="jobs"} 10',
    ].join("\n");
    expect(metricValue(text, "diagnose_operator_leader")).to.equal(1);
    expect(metricValue(text, "diagnose_operator_informer_objects", 'informer="jobs"')).to.equal(10);
    expect(metricValue(text, "process_resident_memory_bytes")).to.equal(undefined);
  });

  it("averages reconcile durations per controller from the histogram", () => {
    const text = [
      'controller_runtime_reconcile_time_seconds_bucket{controller="diagnosis",le="0.1"} 3',
      'controller_runtime_reconcile_time_seconds_sum{controller="diagnosis"} 0.5',
      'controller_runtime_reconcile_time_seconds_count{controller="diagnosis"} 4',
    ].join("\n");
    expect(reconcileStats(text, ["diagnosis", "restart-trigger"])).to.deep.equal({
      diagnosis: { count: 4, meanMs: 125 },
      "restart-trigger": { count: 0, meanMs: null },
    });
  });

  it("reads GNU time's %M (KiB) as bytes, ignoring a 'Command exited' line before it", () => {
    expect(parseGnuTimeMaxRss("51364\n")).to.equal(51364 * 1024);
    expect(parseGnuTimeMaxRss("Command exited with non-zero status 1\n3120\n")).to.equal(
      3120 * 1024,
    );
    expect(parseGnuTimeMaxRss("")).to.equal(null);
  });

  it("maps a triggered Diagnosis back to its pod", () => {
    expect(podOfTriggeredDiagnosis("p-00042-oom-2926251")).to.equal("p-00042");
    expect(podOfTriggeredDiagnosis("manual-diagnosis")).to.equal(undefined);
  });

  it("times each stage from the send, once, and counts the stages never seen", async () => {
    const t = new EventTimes();
    t.sent("a", 100);
    t.sent("b", 200);
    t.seen("a", "floor", 105);
    t.seen("a", "floor", 150); // a later sighting does not move it
    t.seen("a", "diagnosis", 140);
    t.seen("b", "diagnosis", 260);
    t.seen("zzz", "diagnosis", 1); // no event pending for it
    expect(t.latencies("floor")).to.deep.equal({ values: [5], missed: 1 });
    expect(t.latencies("diagnosis")).to.deep.equal({ values: [40, 60], missed: 0 });
    expect(await t.waitFor("a", ["floor", "diagnosis"], 1000)).to.equal(true);
    expect(await t.waitFor("b", ["job"], 20)).to.equal(false);
  });

  it("wakes a waiter when its last stage arrives", async () => {
    const t = new EventTimes();
    t.sent("a", 0);
    const waiting = t.waitFor("a", ["job"], 5000);
    setTimeout(() => t.seen("a", "job", 7), 10);
    expect(await waiting).to.equal(true);
  });

  it("gives each event's own share: a stage's sighting minus the base's, for events that reached both", () => {
    const t = new EventTimes();
    t.sent("a", 0);
    t.sent("b", 0);
    t.sent("c", 0);
    t.seen("a", "floor", 8);
    t.seen("a", "diagnosis", 20);
    t.seen("b", "floor", 30);
    t.seen("b", "diagnosis", 35);
    t.seen("c", "diagnosis", 50);
    expect(t.share("diagnosis", "floor")).to.deep.equal([12, 5]);
  });

  it("stops waiting when cancelled, without waiting out its deadline", async () => {
    const t = new EventTimes();
    t.sent("a", 0);
    // A deadline far beyond this test's timeout: only the cancel can end the wait in time.
    const waiting = t.waitFor("a", ["job"], 3_600_000);
    setTimeout(() => t.cancel(), 10);
    expect(await waiting).to.equal(false);
    expect(await t.waitFor("a", ["job"], 3_600_000)).to.equal(false);
  });

  it("keeps at most `concurrency` calls in flight and stops at the first error", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runBounded(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        seen.push(i);
        inFlight--;
      },
    );
    expect(peak).to.equal(4);
    expect(seen.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    let calls = 0;
    const failing = runBounded([1, 2, 3, 4, 5, 6], 1, async (i) => {
      calls++;
      if (i === 2) throw new Error("boom");
    });
    const error = await failing.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal("boom");
    expect(calls).to.equal(2);
  });
});
