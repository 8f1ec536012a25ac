/**
 * The report page in a real browser: Debian's chromium, headless, driven by playwright-core (no
 * browser download; hack/install-system-deps.sh installs chromium). Each page is written to a
 * file and opened from file://, as a person opens a CI artifact; the test reads the DOM, types
 * into the flame graph's search box, checks that nothing went to the network and nothing logged
 * an error, and keeps a screenshot of every page in OUT for a person to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { collapseStacks } from "../../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../../operator/collector/profile/parsePerfScript.js";
import {
  FLAME_GRAPH_LIBRARY,
  renderDiffFlameGraph,
  renderFlameGraph,
} from "../../../operator/flamegraph/renderFlameGraph.js";
import { encodeCollapsed } from "../../../operator/report/collapsedBlob.js";
import {
  pageModelFromCollectorReport,
  pageModelFromDiagnosis,
} from "../../../operator/reportpage/pageModelFrom.js";
import { renderReportPage } from "../../../operator/reportpage/renderReportPage.js";
import { HOSTILE, hostileDiagnosis } from "./hostileDiagnosis.js";

const CHROMIUM = "/usr/bin/chromium";
/** Where the pages and their screenshots are kept. */
const OUT = join(process.env.DGN_TEST_OUTPUT ?? join(tmpdir(), "dgn-test-output"), "reportpage");
const kit = { renderFlameGraph, renderDiffFlameGraph, library: FLAME_GRAPH_LIBRARY };
const fixture = (name: string) =>
  JSON.parse(readFileSync(`test/fixtures/reports/${name}`, "utf8")) as Record<string, unknown>;

interface Opened {
  page: Page;
  /** Console errors and warnings, uncaught exceptions, CSP violations. */
  problems: string[];
  /** Every URL the page asked for besides its own file. */
  requests: string[];
}

describe("report page in a real browser (chromium headless)", function () {
  this.timeout(120_000);
  let context: BrowserContext;
  let profileDir: string;

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: run hack/install-system-deps.sh (Debian's chromium)`,
      );
    mkdirSync(OUT, { recursive: true });
    profileDir = mkdtempSync(join(tmpdir(), "dgn-chromium-"));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<Opened> {
    const file = join(OUT, `${name}.html`);
    writeFileSync(file, html);
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("request", (r) => {
      if (r.url() !== `file://${file}`) requests.push(r.url());
    });
    await page.addInitScript({
      content:
        'document.addEventListener("securitypolicyviolation", function (e) { console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI); });',
    });
    await page.goto(`file://${file}`, { waitUntil: "load" });
    return { page, problems, requests };
  }

  async function finish(o: Opened, name: string): Promise<void> {
    await o.page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    expect(o.problems, "console errors").to.deep.equal([]);
    expect(o.requests, "network requests").to.deep.equal([]);
    await o.page.close();
  }

  const codesOn = (page: Page) =>
    page.$$eval("article.finding", (els) => els.map((e) => e.getAttribute("data-code")));

  it("S1 (JVM -Xmx1g OOM-killed in 200M): the findings, the verdict, memory against the limit", async () => {
    const o = await open(
      "s1",
      renderReportPage(pageModelFromCollectorReport(fixture("s1-jvm-oom.collector.json")), {
        flameGraph: kit,
      }),
    );
    const { page } = o;
    expect(await codesOn(page)).to.include.members(["OOMKilledByCgroup", "JvmHeapExceedsLimit"]);
    expect(await page.textContent("#verdict")).to.match(
      /^Critical: OOM-killed by its cgroup: java/,
    );
    expect(await page.locator("svg.memory-chart line.limit").count()).to.equal(1);
    expect(await page.textContent("svg.memory-chart .limit-label")).to.equal("limit 200Mi");
    expect(await page.locator("svg.memory-chart .bar-label.oom").count()).to.be.greaterThan(0);
    // The heap alone runs past the limit line: the JVM bar is cut at the scale's end; the table
    // under the picture lists every part with its source.
    const parts = await page.$$eval("svg.memory-chart rect.seg title", (ts) =>
      ts.map((t) => t.textContent ?? ""),
    );
    expect(parts.some((t) => t.startsWith("Java heap (max): 1Gi"))).to.equal(true);
    expect(await page.locator("svg.memory-chart path.cut").count()).to.equal(1);
    const rows = await page.$$eval("#memory table.data tr", (trs) =>
      trs.map((tr) => tr.textContent ?? ""),
    );
    for (const part of ["Code cache (reserved)240Mi", "Direct buffers (max)1Gi", "Thread stacks"])
      expect(
        rows.some((r) => r.includes(part)),
        part,
      ).to.equal(true);
    // A copy button copies the command next to it (the clipboard may be closed headless: the
    // page falls back to a selection copy and says "copied" either way).
    const button = page
      .locator("article.finding[data-code='JvmHeapExceedsLimit'] .cmd button")
      .first();
    await button.click();
    // The copy is asynchronous (the clipboard's promise) and the label reverts after 1.5 s:
    // wait for the state (a timeout fails the test) rather than read it once.
    await page
      .locator("article.finding[data-code='JvmHeapExceedsLimit'] .cmd button.copied")
      .first()
      .waitFor({ timeout: 10_000 });
    expect(await page.locator("#checks svg.timing-chart rect.timing").count()).to.equal(3);
    await finish(o, "s1");
  });

  it("S1 footprint (-Xmx64m, 512m of direct buffers, 256M): every part of the JVM on the picture", async () => {
    const o = await open(
      "s1-footprint",
      renderReportPage(
        pageModelFromCollectorReport(fixture("s1-footprint-direct.collector.json")),
        {
          flameGraph: kit,
        },
      ),
    );
    expect(await codesOn(o.page)).to.include.members([
      "OOMKilledByCgroup",
      "JvmFootprintExceedsLimit",
    ]);
    const parts = await o.page.$$eval("svg.memory-chart rect.seg title", (ts) =>
      ts.map((t) => t.textContent ?? ""),
    );
    expect(
      parts.some((t) =>
        /^Direct buffers \(max\): 512Mi \(flag -XX:MaxDirectMemorySize=512m/.test(t),
      ),
    ).to.equal(true);
    await finish(o, "s1-footprint");
  });

  it("S3 (SYN flood): the findings and the flame graph; search highlights net_rx_action, a click zooms", async () => {
    const o = await open(
      "s3",
      renderReportPage(pageModelFromCollectorReport(fixture("s3-synflood.collector.json")), {
        flameGraph: kit,
      }),
    );
    const { page } = o;
    expect(await codesOn(page)).to.include("SynFlood");
    const graph = page.locator("section#profile svg.fg");
    expect(await graph.count()).to.equal(1);
    expect(await graph.locator("g.f").count()).to.be.greaterThan(20);

    await page.fill("section#profile input.fg-search-box", "net_rx_action");
    // Locators, not waitForFunction: the page's CSP forbids the eval a function string needs.
    await page.locator("section#profile .fg-status", { hasText: /matched \d/ }).waitFor();
    const matched = graph.locator("g.f[data-match]");
    expect(await matched.count()).to.be.greaterThan(0);
    expect(await matched.first().locator("title").textContent()).to.match(/^net_rx_action\n/);
    expect(await matched.first().locator("rect").getAttribute("fill")).to.equal("rgb(230,0,230)");
    expect(await page.textContent("section#profile .fg-status")).to.match(
      /matched [1-9]\d*(\.\d)?% of samples/,
    );
    await page
      .locator("section#profile .flamegraph")
      .screenshot({ path: join(OUT, "s3-search.png") });

    // Click to zoom: the frame fills the width, the Reset Zoom text shows.
    const frame = matched.first();
    await frame.locator("rect").scrollIntoViewIfNeeded();
    await frame.locator("rect").click();
    const width = Number(await frame.locator("rect").getAttribute("width"));
    expect(width).to.be.closeTo(1180, 0.5);
    expect(await graph.locator(".fg-unzoom").getAttribute("class")).to.equal("fg-unzoom");
    await page.click("section#profile button.fg-reset");
    expect(await graph.locator(".fg-unzoom").getAttribute("class")).to.equal("fg-unzoom hide");
    expect(await graph.locator("g.f[data-match]").count()).to.equal(0);
    await finish(o, "s3");
  });

  it("S3 against an earlier capture of the flood: a differential flame graph beside the profile", async () => {
    const current = fixture("s3-synflood.collector.json") as {
      checks: { profile: { data: { collapsed: unknown } } };
    };
    const baseline = structuredClone(current);
    baseline.checks.profile.data.collapsed = encodeCollapsed(
      collapseStacks(
        parsePerfScript(readFileSync("test/fixtures/profile/perf-script-node-synflood.txt", "utf8"))
          .samples,
      ),
    );
    const o = await open(
      "s3-diff",
      renderReportPage(pageModelFromCollectorReport(current, baseline), { flameGraph: kit }),
    );
    const diff = o.page.locator("section#profile-diff svg.fg");
    expect(await diff.locator("g.f").count()).to.be.greaterThan(20);
    await o.page.fill("section#profile-diff input.fg-search-box", "tcp_v4_rcv");
    await o.page.locator("section#profile-diff .fg-status", { hasText: /matched/ }).waitFor();
    expect(await diff.locator("g.f[data-match]").count()).to.be.greaterThan(0);
    // The other graph on the page is untouched by this search box.
    expect(await o.page.locator("section#profile svg.fg g.f[data-match]").count()).to.equal(0);
    await finish(o, "s3-diff");
  });

  it("a saved Diagnosis (kubectl get diag -o json of a real operator run): phase, verdict sentence, trigger, findings", async () => {
    const d = fixture("manual.diagnosis.json") as {
      status: { findings: { code: string }[]; conditions: { type: string; message: string }[] };
    };
    const o = await open(
      "diagnosis",
      renderReportPage(pageModelFromDiagnosis(d), { flameGraph: kit }),
    );
    const { page } = o;
    expect(await page.textContent("h1")).to.match(/^shop\/tomcat-oom/);
    expect(await page.textContent("h1 .phase")).to.equal("Succeeded");
    // The verdict box has the Completed condition's whole sentence, not the short column.
    const completed = d.status.conditions.find((c) => c.type === "Completed")!;
    expect(await page.textContent("#verdict")).to.equal(completed.message);
    expect(await codesOn(page)).to.deep.equal(d.status.findings.map((f) => f.code));
    const facts = await page.$$eval("table.facts th", (ths) => ths.map((t) => t.textContent));
    expect(facts).to.include.members(["Target", "Node", "Collector Job", "Completed"]);
    expect(await page.locator("#checks svg.timing-chart rect.timing").count()).to.equal(3);
    await finish(o, "diagnosis");
  });

  it("a Diagnosis whose every string is hostile: shown as text, nothing runs", async () => {
    const o = await open(
      "hostile",
      renderReportPage(pageModelFromDiagnosis(hostileDiagnosis()), { flameGraph: kit }),
    );
    const { page } = o;
    expect(await page.evaluate("typeof window.__pwned")).to.equal("undefined");
    expect(await page.textContent("article.finding.Critical p.summary")).to.equal(HOSTILE);
    expect(await page.textContent("h1")).to.include("shop/hostile");
    expect(await page.locator("img, iframe, body > svg").count()).to.equal(0);
    const frameNames = await page.$$eval("svg.fg g.f title", (ts) =>
      ts.map((t) => t.textContent?.split("\n")[0]),
    );
    expect(frameNames).to.include(HOSTILE);
    await finish(o, "hostile");
  });
});
