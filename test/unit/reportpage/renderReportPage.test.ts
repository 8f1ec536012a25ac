import { readFileSync } from "node:fs";
import { expect } from "chai";
import { collapseStacks } from "../../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../../operator/collector/profile/parsePerfScript.js";
import {
  FLAME_GRAPH_LIBRARY,
  renderDiffFlameGraph,
  renderFlameGraph,
} from "../../../operator/flamegraph/renderFlameGraph.js";
import { encodeCollapsed } from "../../../operator/report/collapsedBlob.js";
import { escapeHtml } from "../../../operator/reportpage/escapeHtml.js";
import {
  pageModelFromCollectorReport,
  pageModelFromDiagnosis,
  pickDiagnosis,
} from "../../../operator/reportpage/pageModelFrom.js";
import { remediationParts } from "../../../operator/reportpage/remediationParts.js";
import { renderReportPage } from "../../../operator/reportpage/renderReportPage.js";
import { HOSTILE, hostileDiagnosis } from "./hostileDiagnosis.js";

const kit = { renderFlameGraph, renderDiffFlameGraph, library: FLAME_GRAPH_LIBRARY };
const fixture = (name: string) =>
  JSON.parse(readFileSync(`test/fixtures/reports/${name}`, "utf8")) as unknown;

function scriptTags(html: string): number {
  return html.match(/<script\b/gi)?.length ?? 0;
}

/** The elements the page renderer and the flame graph renderer write. */
const RENDERED_TAGS = new Set(
  (
    "html head meta title style body header h1 h2 h3 span div table tr th td main section article p " +
    "details summary pre code button ul li i footer input svg text rect line path circle g defs " +
    "linearGradient stop"
  ).split(" "),
);

/**
 * Every tag and attribute name in the markup, read the way an HTML tokenizer reads them
 * (attribute values double-quoted, as the renderer writes them); a '<' that opens no such tag
 * fails the test, since escaped data has none.
 */
function scanTags(markup: string): { tags: Set<string>; attributes: Set<string> } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  const tag = /^<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+(?:="[^"<]*")?)*)\s*\/?>/;
  for (let at = markup.indexOf("<"); at >= 0; at = markup.indexOf("<", at + 1)) {
    const rest = markup.slice(at, at + 4096);
    if (rest.startsWith("<!DOCTYPE html>")) continue;
    const m = tag.exec(rest);
    if (!m) expect.fail(`a '<' that opens no tag: ${rest.slice(0, 80)}`);
    tags.add(m[2]!);
    for (const a of m[3]!.matchAll(/\s+([\w:-]+)(?:="[^"<]*")?/gy)) attributes.add(a[1]!);
  }
  return { tags, attributes };
}

describe("report page: escaping (evidence is hostile input)", () => {
  it("escapes every character that could open markup or an attribute", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).to.equal(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;",
    );
    expect(escapeHtml("a\u0000b\u001bc\td\ne")).to.equal("a\ufffdb\ufffdc\td\ne");
  });

  it("renders a Diagnosis whose every string is hostile as text: one script element, no handler, no markup from data", () => {
    const html = renderReportPage(pageModelFromDiagnosis(hostileDiagnosis()), { flameGraph: kit });
    expect(scriptTags(html), "only the page's own script").to.equal(1);
    // Outside the page's own script every tag is one the renderer writes, with no handler attribute.
    const { tags, attributes } = scanTags(html.replace(/<script>[\s\S]*<\/script>/, ""));
    expect([...tags].filter((t) => !RENDERED_TAGS.has(t))).to.deep.equal([]);
    expect(
      [...attributes].filter((a) => /^on/i.test(a) || a === "href" || a === "src"),
    ).to.deep.equal([]);
    // The hostile text is there, escaped, in the summary, the code, the evidence and the frames.
    const escaped = escapeHtml(HOSTILE);
    expect(html).to.include(escaped);
    expect(html.split(escaped).length - 1).to.be.greaterThan(5);
    // A CSP that allows the page's one script by hash and nothing from the network.
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
      .exec(html)?.[1]
      ?.replaceAll("&#39;", "'");
    expect(csp).to.match(
      /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'unsafe-inline'/,
    );
  });

  it("the tag scan used above sees markup that did get through", () => {
    const { tags, attributes } = scanTags('<p class="x"><img src="x" onerror="y"></p>');
    expect([...tags]).to.deep.equal(["p", "img"]);
    expect([...attributes]).to.deep.equal(["class", "src", "onerror"]);
    expect(() => scanTags("<p><img src=x onerror=y></p>")).to.throw(/opens no tag/);
    expect(() => scanTags("<p>a <= b</p>")).to.throw(/opens no tag/);
  });

  it("reads a Diagnosis file as untrusted JSON: wrong types are dropped, not trusted", () => {
    const m = pageModelFromDiagnosis({
      kind: "Diagnosis",
      metadata: { name: 7, namespace: ["x"] },
      status: {
        phase: { toString: "Succeeded" },
        findings: [{ severity: "Catastrophic", code: 42, summary: { a: 1 } }, "nope", null],
        report: {
          checks: {
            profile: {
              status: "ok",
              data: { collapsed: { encoding: "gzip+base64", data: "!!!" } },
            },
          },
        },
      },
    });
    expect(m.findings).to.have.length(1);
    expect(m.findings[0]).to.deep.include({ severity: "Info", code: "Unknown", summary: "" });
    expect(m.phase).to.equal(undefined);
    expect(m.profile).to.equal(undefined);
    expect(m.problems.join(" ")).to.match(/profile stacks could not be decoded/);
  });

  it("picks one Diagnosis out of a kubectl List, by name when there are several", () => {
    const d = (name: string) => ({ kind: "Diagnosis", metadata: { name } });
    expect(pickDiagnosis({ kind: "List", items: [d("a")] })).to.deep.equal(d("a"));
    expect(pickDiagnosis({ kind: "List", items: [d("a"), d("b")] }, "b")).to.deep.equal(d("b"));
    expect(() => pickDiagnosis({ kind: "List", items: [d("a"), d("b")] })).to.throw(
      /2 Diagnoses \(a, b\): name one/,
    );
    expect(() => pickDiagnosis({ kind: "List", items: [d("a")] }, "z")).to.throw(
      /no Diagnosis z in the file \(it has: a\)/,
    );
    expect(() => pickDiagnosis({ kind: "Pod" })).to.throw(/holds a Pod, not a Diagnosis/);
  });
});

describe("report page: remediation commands", () => {
  it("cuts out the commands the network rules write, each whole", () => {
    const parts = remediationParts(
      "Remove the rule(s) inside the pod's network namespace: nsenter --net=/proc/4242/ns/net iptables -t filter -D INPUT -m statistic --mode random --probability 0.29999999981 -j DROP ; nsenter --net=/proc/4242/ns/net iptables -t filter -D OUTPUT -j DROP",
    );
    expect(parts.filter((p) => p.kind === "command").map((p) => p.text)).to.deep.equal([
      "nsenter --net=/proc/4242/ns/net iptables -t filter -D INPUT -m statistic --mode random --probability 0.29999999981 -j DROP",
      "nsenter --net=/proc/4242/ns/net iptables -t filter -D OUTPUT -j DROP",
    ]);
    expect(parts.map((p) => p.text).join("")).to.include("Remove the rule(s)");
  });

  it("finds commands in parentheses and JVM flags in prose, and leaves plain prose alone", () => {
    const conntrack = remediationParts(
      "Raise the limit on the node (sysctl -w net.netfilter.nf_conntrack_max=524288) and shorten timeouts, or find the flow leak (conntrack -L)",
    );
    expect(conntrack.filter((p) => p.kind === "command").map((p) => p.text)).to.deep.equal([
      "sysctl -w net.netfilter.nf_conntrack_max=524288",
      "conntrack -L",
    ]);
    const jvm = remediationParts(
      "Size every part for the 256Mi limit: -Xmx73m -XX:MaxMetaspaceSize=64m -Xss1m (14 threads); or drop -Xmx.",
    );
    expect(jvm.filter((p) => p.kind === "command").map((p) => p.text)).to.deep.equal([
      "-Xmx73m",
      "-XX:MaxMetaspaceSize=64m",
      "-Xss1m",
    ]);
    expect(remediationParts("Raise the CPU limit for startup, or remove it.")).to.deep.equal([
      { kind: "text", text: "Raise the CPU limit for startup, or remove it." },
    ]);
  });
});

describe("report page from the real S1 and S3 collector reports", () => {
  it("S1: the OOM kill and the heap finding, the memory picture with the limit and the OOM bar", () => {
    const model = pageModelFromCollectorReport(fixture("s1-jvm-oom.collector.json"));
    const codes = model.findings.map((f) => f.code);
    expect(codes).to.include.members(["OOMKilledByCgroup", "JvmHeapExceedsLimit"]);
    expect(model.verdict).to.match(/^Critical: OOM-killed by its cgroup/);
    expect(model.memory?.limitBytes).to.equal(200 * 1024 * 1024);
    const labels = model.memory!.bars.map((b) => b.label);
    expect(labels.some((l) => /^JVM pid \d+: most it can use$/.test(l))).to.equal(true);
    expect(model.memory!.bars.some((b) => b.oom)).to.equal(true);
    const jvmBar = model.memory!.bars.find((b) => b.label.startsWith("JVM pid"))!;
    expect(jvmBar.segments.map((s) => s.tone)).to.include.members([
      "heap",
      "code",
      "threads",
      "direct",
    ]);
    expect(model.checks.map((c) => c.check)).to.deep.equal(["memory", "jvm", "cpu"]);
    const html = renderReportPage(model, { flameGraph: kit });
    expect(html).to.include('data-code="OOMKilledByCgroup"');
    expect(html).to.include('class="limit"');
  });

  it("S3: the SYN flood findings and the flame graph with net_rx_action", () => {
    const model = pageModelFromCollectorReport(fixture("s3-synflood.collector.json"));
    expect(model.findings.map((f) => f.code)).to.include("SynFlood");
    expect(model.profile?.collapsed).to.match(/;net_rx_action_\[k\];/);
    const html = renderReportPage(model, { flameGraph: kit });
    expect(html).to.include('<svg version="1.1" class="fg"');
    expect(html).to.not.include("<?xml");
    expect(html).to.include("<title>net_rx_action\n");
  });

  it("a page without the flame graph renderer says so instead of failing", () => {
    const html = renderReportPage(
      pageModelFromCollectorReport(fixture("s3-synflood.collector.json")),
    );
    expect(html).to.include("This build has no flame graph renderer");
    expect(html).to.not.include("function dgnFlameGraph");
  });

  it("a baseline profile (an earlier real capture of the flood) adds a differential flame graph", () => {
    const current = fixture("s3-synflood.collector.json") as {
      checks: { profile: { data: { collapsed: unknown } } };
    };
    const earlier = collapseStacks(
      parsePerfScript(readFileSync("test/fixtures/profile/perf-script-node-synflood.txt", "utf8"))
        .samples,
    );
    const baseline = structuredClone(current);
    baseline.checks.profile.data.collapsed = encodeCollapsed(earlier);
    const model = pageModelFromCollectorReport(current, baseline);
    expect(model.baselineProfile).to.not.equal(undefined);
    const html = renderReportPage(model, { flameGraph: kit });
    expect(html).to.include('id="profile-diff"');
    expect(html.match(/<svg version="1.1" class="fg"/g)).to.have.length(2);
    // Each graph's one id is its own.
    expect(html).to.include('id="fg-profile-background"');
    expect(html).to.include('id="fg-diff-background"');
  });
});
