import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { expect } from "chai";
import { analyzeReport } from "../../operator/analysis/analyzeReport.js";
import type { CheckContext, CollectorOptions } from "../../operator/collector/check.js";
import { COLLECTOR_VERSION } from "../../operator/collector/collectorVersion.js";
import { profileCheck } from "../../operator/collector/profile/profileCheck.js";
import { softirqCheck } from "../../operator/collector/softirq/softirqCheck.js";
import { renderFlameGraph } from "../../operator/flamegraph/renderFlameGraph.js";
import { decodeCollapsed } from "../../operator/report/collapsedBlob.js";
import { parseCollapsed } from "../../operator/report/collapsedText.js";
import {
  type CheckResult,
  type CollectorReport,
  REPORT_SCHEMA_VERSION,
} from "../../operator/report/collectorReport.js";
import { type SynFloodLab, startSynFloodLab } from "../support/faults/synFloodLab.js";
import { hostCheckContext } from "../support/hostCheckContext.js";
import { hostGap, skippedBecause } from "./hostKernelGaps.js";

const gap = hostGap("root");

/** Where the rendered flame graph is kept for a person to look at. */
const SVG_OUT = process.env.S3_FLAMEGRAPH_OUT ?? "/tmp/dgn-s3/flood-node.svg";
/** Set to a directory to keep the run as a collector report (test/fixtures/reports/README.md). */
const CAPTURE = process.env.DGN_REPORT_CAPTURE_DIR;

/** Times a check's collection as runChecks does. */
async function timed<T>(collect: () => Promise<T>): Promise<{ data: T; durationMs: number }> {
  const t0 = performance.now();
  const data = await collect();
  return { data, durationMs: Math.round((performance.now() - t0) * 10) / 10 };
}

describe(`S3: SYN flood between network namespaces (real)${skippedBecause(gap)}`, function () {
  this.timeout(60_000);
  let lab: SynFloodLab | undefined;

  before(function () {
    if (gap) this.skip();
  });

  afterEach(async () => {
    await lab?.cleanup();
    lab = undefined;
  });

  it("shows NET_RX rising, SYN flood evidence, and network receive frames in a profile", async () => {
    lab = await startSynFloodLab();
    const ctx = (options: CollectorOptions): CheckContext => ({
      ...hostCheckContext(lab?.listenerPid ?? 0, options.sampleSeconds, "s3"),
      options,
    });

    const baseline = await softirqCheck.collect(ctx({ sampleSeconds: 1 }));
    const baselineNetRx = baseline.total.softirqRates.NET_RX ?? 0;

    const flood = lab.flood(5);
    await new Promise((r) => setTimeout(r, 500));
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    const [softirqRun, profileRun] = await Promise.all([
      timed(() => softirqCheck.collect(ctx({ sampleSeconds: 2 }))),
      timed(() =>
        profileCheck.collect(ctx({ sampleSeconds: 2, profile: { seconds: 2, frequency: 199 } })),
      ),
    ]);
    const during = softirqRun.data;
    const profile = profileRun.data;
    const hping = await flood;
    expect(hping.output).to.match(/packets transmitted/);

    // NET_RX rises with the flood.
    const netRx = during.total.softirqRates.NET_RX ?? 0;
    expect(netRx, `NET_RX/s baseline ${baselineNetRx}, during ${netRx}`).to.be.greaterThan(
      baselineNetRx * 2 + 500,
    );

    // SYN evidence read in the listener's namespace through /proc/<pid>/net.
    const ev = during.synEvidence.find((e) => e.source === `pid:${lab?.listenerPid}`);
    expect(ev?.perSecond.syncookiesSent).to.be.greaterThan(100);
    expect(ev?.halfOpen[0]).to.deep.include({ port: 8080, listening: true });
    expect(ev?.halfOpen[0]?.synRecv).to.be.greaterThan(0);
    const findings = analyzeReport({ softirq: { status: "ok", durationMs: 0, data: during } });
    const syn = findings.find((f) => f.code === "SynFlood");
    expect(syn?.summary).to.match(/port 8080/);
    expect(syn?.severity).to.equal("Critical");

    // The whole-node profile sees the kernel receiving the flood.
    const folded = decodeCollapsed(profile.collapsed);
    expect(folded).to.match(/;net_rx_action_\[k\];/);
    expect(folded).to.match(/;tcp_v4_rcv_\[k\];/);
    const rxSamples = [...parseCollapsed(folded)]
      .filter(([stack]) => stack.includes(";net_rx_action_[k]"))
      .reduce((n, [, c]) => n + c, 0);
    expect(rxSamples).to.be.greaterThan(0);

    const svg = renderFlameGraph(parseCollapsed(folded), {
      title: "S3: node profile during a SYN flood",
    });
    const lint = spawnSync("xmllint", ["--noout", "-"], { input: svg, encoding: "utf8" });
    expect(lint.status, lint.stderr).to.equal(0);
    expect(svg).to.include(">net_rx_action\n");
    mkdirSync(SVG_OUT.replace(/\/[^/]*$/, ""), { recursive: true });
    writeFileSync(SVG_OUT, svg);
    writeFileSync(SVG_OUT.replace(/\.svg$/, ".folded"), folded);
    if (CAPTURE) {
      // The two checks' real results as the collector reports them for a node target.
      const checks: CollectorReport["checks"] = {
        softirq: { status: "ok", ...softirqRun } as CheckResult,
        profile: { status: "ok", ...profileRun } as CheckResult,
      };
      const report: CollectorReport = {
        schemaVersion: REPORT_SCHEMA_VERSION,
        collector: {
          version: COLLECTOR_VERSION,
          startedAt,
          durationMs: Math.round(performance.now() - t0),
        },
        target: { kind: "node", pids: [], cgroupPaths: {}, hostname: hostname() },
        checks,
        findings: analyzeReport(checks),
      };
      mkdirSync(CAPTURE, { recursive: true });
      writeFileSync(
        `${CAPTURE}/s3-synflood.collector.json`,
        `${JSON.stringify(report, null, 2)}\n`,
      );
    }
    for (const f of findings) console.log(`      ${f.severity} ${f.code}: ${f.summary}`);
    console.log(
      `      NET_RX/s ${baselineNetRx} -> ${netRx}; si ${during.total.siPercent}%; cookies/s ${ev?.perSecond.syncookiesSent}; ` +
        `half-open ${ev?.halfOpen[0]?.synRecv}; profile ${profile.samples} samples, ${rxSamples} under net_rx_action; ${findings.map((f) => f.code).join(", ")}; svg ${SVG_OUT}`,
    );
  });
});
