/** The page's own stylesheet and script, inlined: the file works from file:// with no network. */

export const PAGE_STYLE = `
:root { --crit: #c0392b; --warn: #d68910; --info: #2874a6; --ok: #1e8449; --fg: #1c2833; --muted: #5d6d7e; --line: #d5dbdb; --bg: #fbfcfc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.origin { color: var(--muted); font-size: 13px; }
.phase { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); margin-left: 6px; vertical-align: middle; }
.phase.Succeeded { background: var(--ok); } .phase.Failed { background: var(--crit); } .phase.Running, .phase.Pending { background: var(--warn); }
.verdict { margin: 14px 0 6px; padding: 12px 14px; border-left: 6px solid var(--ok); background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.08); font-size: 16px; font-weight: 600; word-wrap: break-word; }
.verdict.Critical { border-color: var(--crit); } .verdict.Warning { border-color: var(--warn); } .verdict.Info { border-color: var(--info); }
.counts span { margin-right: 12px; font-weight: 600; }
.counts .Critical { color: var(--crit); } .counts .Warning { color: var(--warn); } .counts .Info { color: var(--info); }
table.facts { border-collapse: collapse; margin-top: 10px; }
table.facts th { text-align: left; color: var(--muted); font-weight: normal; padding: 2px 14px 2px 0; vertical-align: top; white-space: nowrap; }
table.facts td { padding: 2px 0; word-break: break-all; }
.problems { background: #fdedec; border: 1px solid #f5b7b1; padding: 8px 12px; border-radius: 4px; }
.problems li { margin: 2px 0; }
.finding { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--info); border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
.finding.Critical { border-left-color: var(--crit); } .finding.Warning { border-left-color: var(--warn); }
.finding .meta { color: var(--muted); font-size: 12px; margin-left: 8px; font-family: inherit; font-weight: normal; }
.finding .sev { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; margin-right: 8px; font-family: inherit; }
.finding.Critical .sev { color: var(--crit); } .finding.Warning .sev { color: var(--warn); } .finding.Info .sev { color: var(--info); }
.summary { margin: 6px 0; word-wrap: break-word; }
.remediation { margin: 6px 0; padding: 8px 10px; background: #f4f6f6; border-radius: 4px; word-wrap: break-word; }
.remediation .label { font-weight: 600; margin-right: 4px; }
.cmd { display: inline-flex; align-items: stretch; max-width: 100%; margin: 2px 0; vertical-align: middle; }
.cmd code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #1c2833; color: #f4f6f6; padding: 3px 7px; border-radius: 3px 0 0 3px; white-space: pre-wrap; word-break: break-all; }
.cmd button { border: 0; background: #5d6d7e; color: #fff; font-size: 11px; padding: 0 8px; border-radius: 0 3px 3px 0; cursor: pointer; }
.cmd button.copied { background: var(--ok); }
details.evidence { margin-top: 6px; } details.evidence summary { cursor: pointer; color: var(--muted); font-size: 13px; }
details.evidence table { border-collapse: collapse; margin-top: 6px; width: 100%; table-layout: fixed; }
details.evidence th { text-align: left; font-weight: normal; color: var(--muted); width: 200px; padding: 3px 8px 3px 0; vertical-align: top; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
details.evidence td { padding: 3px 0; vertical-align: top; word-break: break-word; }
details.evidence pre { margin: 0; font-size: 12px; white-space: pre-wrap; word-break: break-all; max-height: 320px; overflow: auto; background: #f8f9f9; padding: 4px 6px; }
.chart { width: 100%; height: auto; display: block; background: #fff; border: 1px solid var(--line); border-radius: 4px; }
.chart text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--fg); }
.chart .bar-label { font-size: 12px; } .chart .bar-label.oom { fill: var(--crit); font-weight: 600; } .chart .bar-note { fill: var(--muted); font-size: 10px; }
.chart .seg-label { fill: #fff; font-size: 11px; } .chart .bar-total { font-weight: 600; } .chart .tick { fill: var(--muted); }
.chart .limit { stroke: var(--crit); stroke-width: 2; stroke-dasharray: 5 3; } .chart .limit-label { fill: var(--crit); font-weight: 700; }
.chart .axis { stroke: #aab7b8; }
.chart .cut { fill: none; stroke: #fff; stroke-width: 2.5; }
.chart .point-label { font-size: 12px; }
.chart .restart-line { fill: none; stroke: #aab7b8; stroke-width: 1.5; }
.chart .restart-point { fill: var(--info); stroke: #fff; stroke-width: 1.5; } .chart .restart-point.oom { fill: var(--crit); } .chart .restart-point.kernel { fill: #7d3c98; }
.chart .timing.ok { fill: #5dade2; } .chart .timing.not-ok { fill: #aab7b8; }
.legend { margin: 6px 0; font-size: 12px; color: var(--muted); } .legend span { margin-right: 12px; white-space: nowrap; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
table.data { border-collapse: collapse; margin-top: 8px; font-size: 13px; max-width: 100%; }
table.data td { word-break: break-word; overflow-wrap: anywhere; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 12px 3px 0; text-align: left; vertical-align: top; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
.fg-tools { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
.fg-tools input { font: inherit; padding: 4px 8px; width: 320px; border: 1px solid #aab7b8; border-radius: 3px; }
.fg-tools button { font: inherit; padding: 4px 10px; border: 1px solid #aab7b8; background: #fff; border-radius: 3px; cursor: pointer; }
.fg-tools .fg-status { color: var(--muted); }
/* Deep stacks make a tall graph: it scrolls, and column-reverse keeps its base (the roots) in view first, as a flame graph reads. */
.flamegraph { display: flex; flex-direction: column-reverse; overflow: auto; max-height: 75vh; background: #fff; border: 1px solid var(--line); border-radius: 4px; }
svg.fg { width: 100%; height: auto; display: block; flex: none; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 30px 20px 40px; }
`;

/** Copy buttons and the flame graphs' search box; dgnFlameGraph comes from the flame graph library. */
export const PAGE_SCRIPT = `
"use strict";
function copyText(text, done) {
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); }); return; }
  fallbackCopy(text); done();
}
function fallbackCopy(text) {
  var ta = document.createElement("textarea");
  ta.value = text; ta.setAttribute("readonly", ""); ta.style.position = "fixed"; ta.style.opacity = "0";
  document.body.appendChild(ta); ta.select();
  try { document.execCommand("copy"); } catch (e) { /* the text stays selectable */ }
  document.body.removeChild(ta);
}
document.addEventListener("click", function (e) {
  var b = e.target;
  if (!b || !b.classList || !b.classList.contains("copy")) return;
  var code = b.parentNode.getElementsByTagName("code")[0];
  copyText(code.textContent, function () { b.textContent = "copied"; b.classList.add("copied"); setTimeout(function () { b.textContent = "copy"; b.classList.remove("copied"); }, 1500); });
});
if (typeof dgnFlameGraph === "function") {
  var sections = document.querySelectorAll("section.flame");
  for (var i = 0; i < sections.length; i++) (function (section) {
    var svg = section.querySelector("svg.fg");
    if (!svg) return;
    var fg = dgnFlameGraph(svg);
    var input = section.querySelector("input.fg-search-box"), status = section.querySelector(".fg-status");
    var timer = null;
    function run() {
      var term = input.value;
      if (!term) { fg.resetSearch(); status.textContent = ""; return; }
      var m = fg.search(term);
      status.textContent = m === null ? "not a valid regular expression" : "matched " + m.toFixed(1) + "% of samples";
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { clearTimeout(timer); run(); } if (e.key === "Escape") { input.value = ""; run(); } });
    section.querySelector("button.fg-reset").addEventListener("click", function () { input.value = ""; run(); fg.unzoom(); });
  })(sections[i]);
}
`;
