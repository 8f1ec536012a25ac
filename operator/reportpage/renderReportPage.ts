/**
 * The report page: one self-contained HTML file (styles, script and pictures inline; a Content
 * Security Policy that allows no network and no script but the page's own, by hash). Pure:
 * model in, string out. Every string from the model is escaped; evidence never becomes markup.
 */
import { createHash } from "node:crypto";
import { formatMemorySize as size } from "../analysis/formatMemorySize.js";
import type { Finding, Severity } from "../api/v1alpha1/diagnosis.js";
import { parseCollapsed } from "../report/collapsedText.js";
import { clip, escapeHtml as esc } from "./escapeHtml.js";
import { PAGE_SCRIPT, PAGE_STYLE } from "./pageAssets.js";
import { type ProfileStacks, type ReportPageModel, SEVERITIES } from "./pageModel.js";
import { remediationParts } from "./remediationParts.js";
import {
  renderCheckTimings,
  renderMemoryPicture,
  renderRestartTimeline,
  TONE_COLORS,
} from "./renderCharts.js";

/** operator/flamegraph's renderers and browser library, injected so this module stays without them. */
export interface FlameGraphKit {
  renderFlameGraph(
    stacks: Map<string, number>,
    options: { title?: string; subtitle?: string; embedded?: boolean; idPrefix?: string },
  ): string;
  renderDiffFlameGraph(
    before: Map<string, number>,
    after: Map<string, number>,
    options: { title?: string; subtitle?: string; embedded?: boolean; idPrefix?: string },
  ): string;
  /** Defines dgnFlameGraph(svg) for the page's script. */
  library: string;
}

export interface PageOptions {
  flameGraph?: FlameGraphKit;
  /** "kubectl-diagnose 0.1.0". */
  generator?: string;
  /** When the page was made (ISO); left out when undefined so the same input makes the same page. */
  generatedAt?: string;
}

const MAX_EVIDENCE_KEYS = 40;
const MAX_EVIDENCE_VALUE_CHARS = 4000;

function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

function evidenceValue(key: string, v: unknown): string {
  if (typeof v === "number" && /bytes$/i.test(key) && Number.isFinite(v))
    return `${esc(size(v))} <span class="muted">(${esc(v.toLocaleString("en-US"))} bytes)</span>`;
  if (typeof v === "number" || typeof v === "boolean") return esc(String(v));
  if (typeof v === "string") return esc(clip(v, MAX_EVIDENCE_VALUE_CHARS));
  if (v === null || v === undefined) return '<span class="muted">-</span>';
  return `<pre>${esc(clip(JSON.stringify(v, null, 2) ?? "", MAX_EVIDENCE_VALUE_CHARS))}</pre>`;
}

function renderEvidence(evidence: Record<string, unknown> | undefined): string {
  if (!evidence) return "";
  const entries = Object.entries(evidence).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "";
  const rows = entries
    .slice(0, MAX_EVIDENCE_KEYS)
    .map(([k, v]) => `<tr><th>${esc(clip(k, 80))}</th><td>${evidenceValue(k, v)}</td></tr>`);
  if (entries.length > MAX_EVIDENCE_KEYS)
    rows.push(
      `<tr><th></th><td class="muted">${entries.length - MAX_EVIDENCE_KEYS} more fields</td></tr>`,
    );
  return `<details class="evidence"><summary>Evidence (${entries.length} field${entries.length === 1 ? "" : "s"})</summary><table>${rows.join("")}</table></details>`;
}

function renderRemediation(text: string | undefined): string {
  if (!text) return "";
  const html = remediationParts(text)
    .map((p) =>
      p.kind === "text"
        ? esc(p.text)
        : `<span class="cmd"><code>${esc(p.text)}</code><button type="button" class="copy" title="copy to the clipboard">copy</button></span>`,
    )
    .join("");
  return `<div class="remediation"><span class="label">Fix:</span>${html}</div>`;
}

function renderFinding(f: Finding): string {
  const source =
    f.source === "PodSpec"
      ? "from the pod spec"
      : f.source === "Collector"
        ? "measured on the node"
        : "";
  return [
    `<article class="finding ${f.severity}" data-code="${esc(f.code)}" data-severity="${f.severity}">`,
    `<h3><span class="sev">${f.severity}</span>${esc(f.code)}<span class="meta">${esc(f.check)}${source ? ` · ${source}` : ""}</span></h3>`,
    `<p class="summary">${esc(f.summary)}</p>`,
    renderRemediation(f.remediation),
    renderEvidence(f.evidence),
    "</article>",
  ].join("\n");
}

function renderFindings(findings: readonly Finding[]): string {
  if (findings.length === 0)
    return `<section id="findings"><h2>Findings</h2><p class="muted">No findings: every check came back healthy or could not run.</p></section>`;
  const groups = SEVERITIES.map((sev) => ({
    sev,
    list: findings.filter((f) => f.severity === sev),
  }))
    .filter((g) => g.list.length > 0)
    .map(
      (g) =>
        `<div class="severity-group" data-severity="${g.sev}"><h2>${g.sev} (${g.list.length})</h2>\n${g.list.map(renderFinding).join("\n")}</div>`,
    );
  return `<section id="findings">${groups.join("\n")}</section>`;
}

function counts(findings: readonly Finding[]): string {
  const parts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `<span class="${s}">${n} ${s}</span>`);
  return parts.length ? `<div class="counts">${parts.join("")}</div>` : "";
}

function renderMemory(model: ReportPageModel): string {
  const p = model.memory;
  if (!p) return "";
  const tones = new Map<string, string>();
  for (const b of p.bars)
    for (const s of b.segments) if (!tones.has(s.name)) tones.set(s.name, TONE_COLORS[s.tone]);
  const legend = [...tones]
    .map(([name, color]) => `<span><i style="background:${color}"></i>${esc(name)}</span>`)
    .join("");
  const rows = p.bars.flatMap((b) =>
    b.segments.map(
      (s, i) =>
        `<tr><td>${i === 0 ? esc(b.label) : ""}</td><td>${esc(s.name)}</td><td class="num">${esc(size(s.bytes))}</td><td class="muted">${esc(s.source ?? "")}</td></tr>`,
    ),
  );
  return [
    `<section id="memory"><h2>${p.limitBytes === undefined ? "Memory (no limit set)" : "Memory against the limit"}</h2>`,
    renderMemoryPicture(p),
    `<div class="legend">${legend}</div>`,
    `<details><summary class="muted">The numbers and where they come from</summary><table class="data"><tr><th>bar</th><th>part</th><th>size</th><th>source</th></tr>${rows.join("")}</table></details>`,
    "</section>",
  ].join("\n");
}

function renderRestarts(model: ReportPageModel): string {
  const h = model.restarts;
  if (!h) return "";
  const chart = renderRestartTimeline(h);
  const rows = h.points.map(
    (p) =>
      `<tr><td>${esc(p.time ?? "?")}</td><td>${esc(p.kind === "oomKill" ? "kernel OOM kill" : "restart")}</td><td>${esc(p.what)}</td><td>${esc(p.reason ?? "")}</td><td class="num">${esc(p.exitCode ?? "")}</td><td class="num">${esc(p.restartCount ?? "")}</td></tr>`,
  );
  return [
    `<section id="restarts"><h2>Restarts over time</h2>`,
    chart || `<p class="muted">No times recorded.</p>`,
    `<table class="data"><tr><th>when</th><th>what</th><th>where</th><th>reason</th><th>exit</th><th>restart #</th></tr>${rows.join("")}</table>`,
    h.unrecorded > 0
      ? `<p class="muted">${h.unrecorded} more restarts counted, not recorded one by one.</p>`
      : "",
    "</section>",
  ].join("\n");
}

function renderChecks(model: ReportPageModel): string {
  if (model.checks.length === 0) return "";
  const rows = model.checks.map(
    (c) =>
      `<tr><td>${esc(c.check)}</td><td>${esc(c.status)}${c.truncated ? " (data too large for the status)" : ""}</td><td class="num">${esc(c.durationMs ?? "")}</td><td>${esc(c.reason ?? "")}</td></tr>`,
  );
  return [
    `<section id="checks"><h2>Checks and their timings</h2>`,
    renderCheckTimings(model.checks),
    `<table class="data"><tr><th>check</th><th>status</th><th>ms</th><th>why not</th></tr>${rows.join("")}</table>`,
    "</section>",
  ].join("\n");
}

function flameSection(id: string, heading: string, svg: string, note: string): string {
  return [
    `<section class="flame" id="${id}"><h2>${esc(heading)}</h2>`,
    `<div class="fg-tools"><input class="fg-search-box" type="search" placeholder="Search frames (regular expression), e.g. net_rx|tcp_" aria-label="search frames"><button type="button" class="fg-reset">Reset</button><span class="fg-status"></span></div>`,
    `<div class="flamegraph">${svg}</div>`,
    `<p class="muted">${esc(note)}</p>`,
    "</section>",
  ].join("\n");
}

function renderProfiles(model: ReportPageModel, kit: FlameGraphKit | undefined): string {
  if (!model.profile) return "";
  if (!kit)
    return `<section id="profile"><h2>Flame graph</h2><p class="muted">This build has no flame graph renderer; the profile's stacks are in the Diagnosis status.</p></section>`;
  const stacks = parseCollapsed(model.profile.collapsed);
  if (stacks.size === 0)
    return `<section id="profile"><h2>Flame graph</h2><p class="muted">The profile recorded no samples.</p></section>`;
  const opts = (p: ProfileStacks, idPrefix: string) => ({
    title: p.title,
    embedded: true,
    idPrefix,
    ...(p.subtitle ? { subtitle: p.subtitle } : {}),
  });
  const out = [
    flameSection(
      "profile",
      "Flame graph",
      kit.renderFlameGraph(stacks, opts(model.profile, "fg-profile")),
      "Width is the share of samples. Click a frame to zoom in; search colours matching frames.",
    ),
  ];
  const base = model.baselineProfile;
  if (base) {
    const before = parseCollapsed(base.collapsed);
    out.push(
      flameSection(
        "profile-diff",
        `Compared with ${base.title}`,
        kit.renderDiffFlameGraph(before, stacks, {
          ...opts(model.profile, "fg-diff"),
          title: `${model.profile.title} vs ${base.title}`,
          subtitle:
            "red: more samples than the baseline, blue: fewer (baseline scaled to the same total)",
        }),
        "Widths are this profile's; colour is the change of each frame's own samples against the baseline.",
      ),
    );
  }
  return out.join("\n");
}

export function renderReportPage(model: ReportPageModel, options: PageOptions = {}): string {
  const hasFlame = Boolean(model.profile && options.flameGraph);
  const script = `${hasFlame ? options.flameGraph!.library : ""}\n${PAGE_SCRIPT}`;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256Base64(script)}'`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const top: Severity | undefined = model.findings[0]?.severity;
  const facts = model.facts
    .map((f) => `<tr><th>${esc(f.label)}</th><td>${esc(f.value)}</td></tr>`)
    .join("");
  const problems = model.problems.length
    ? `<div class="problems"><ul>${model.problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul></div>`
    : "";
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`Diagnosis ${model.title}`)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>${esc(model.title)}${model.phase ? `<span class="phase ${esc(model.phase)}">${esc(model.phase)}</span>` : ""}</h1>`,
    `<div class="origin">${esc(model.origin)}</div>`,
    `<div class="verdict ${top ?? "none"}" id="verdict">${esc(model.verdict)}</div>`,
    counts(model.findings),
    `<table class="facts">${facts}</table>`,
    "</header>",
    "<main>",
    problems,
    renderFindings(model.findings),
    renderMemory(model),
    renderRestarts(model),
    renderProfiles(model, options.flameGraph),
    renderChecks(model),
    "</main>",
    `<footer>${esc(options.generator ?? "diagnose-operator")}${options.generatedAt ? ` · ${esc(options.generatedAt)}` : ""} · one self-contained file: no network, no external resources.</footer>`,
    `<script>${script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
