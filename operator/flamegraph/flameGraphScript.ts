/**
 * The browser side of the SVG: hover details, click to zoom, search. Plain ES5-ish so any
 * viewer that runs SVG scripts can; it reads the layout from data-* attributes on each frame
 * (d = depth, s = start and v = width in samples) and the graph's geometry from the root.
 */
export const FLAME_GRAPH_SCRIPT = `
"use strict";
var svg, frames, details, unzoomBtn, matchedText, searchBtn, W, XPAD, FONT, total;
var zoomed = null, searchRe = null, fills = {};
function attr(e, n) { return +e.getAttribute(n); }
function frameOf(e) { while (e && e !== svg) { if (e.getAttribute && e.getAttribute("class") && /(^| )f( |$)/.test(e.getAttribute("class"))) return e; e = e.parentNode; } return null; }
function nameOf(g) { return g.getElementsByTagName("title")[0].textContent.split("\\n")[0]; }
function init() {
  svg = document.documentElement;
  frames = document.getElementById("frames");
  details = document.getElementById("details").firstChild;
  unzoomBtn = document.getElementById("unzoom");
  searchBtn = document.getElementById("search");
  matchedText = document.getElementById("matched");
  W = attr(svg, "width"); XPAD = attr(svg, "data-xpad"); FONT = attr(svg, "data-font"); total = attr(svg, "data-total");
  frames.addEventListener("click", function (e) { var g = frameOf(e.target); if (g) zoom(g); });
  frames.addEventListener("mouseover", function (e) { var g = frameOf(e.target); if (g) details.nodeValue = g.getElementsByTagName("title")[0].textContent.replace("\\n", ": "); });
  frames.addEventListener("mouseout", function () { details.nodeValue = " "; });
  unzoomBtn.addEventListener("click", unzoom);
  searchBtn.addEventListener("click", function () { if (searchRe) resetSearch(); else searchPrompt(); });
  window.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.keyCode === 70) { e.preventDefault(); searchPrompt(); }
    else if (e.keyCode === 27) { resetSearch(); unzoom(); }
  });
  var q = /[?&]s=([^&]*)/.exec(window.location.search);
  if (q) search(decodeURIComponent(q[1]));
}
function fit(g, w) {
  var t = g.getElementsByTagName("text")[0], name = nameOf(g), n = Math.floor((w - 6) / (FONT * 0.59));
  if (n < 3) { t.textContent = ""; return; }
  t.textContent = name.length <= n ? name : name.slice(0, n - 2) + "..";
}
function layout(s, v, d) {
  var scale = (W - 2 * XPAD) / v, list = frames.children;
  for (var i = 0; i < list.length; i++) {
    var g = list[i], gs = attr(g, "data-s"), gv = attr(g, "data-v"), gd = attr(g, "data-d");
    var r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
    var cls = "f";
    if (gs + gv <= s || gs >= s + v || (gd >= d && (gs < s || gs + gv > s + v))) { cls = "f hide"; }
    else {
      var x, w;
      if (gd < d) { x = XPAD; w = W - 2 * XPAD; cls = "f parent"; }
      else { x = XPAD + (gs - s) * scale; w = gv * scale; }
      r.setAttribute("x", x.toFixed(2)); r.setAttribute("width", w.toFixed(2));
      t.setAttribute("x", (x + 3).toFixed(2));
      fit(g, w);
    }
    g.setAttribute("class", cls);
  }
}
function zoom(g) {
  zoomed = g;
  unzoomBtn.setAttribute("class", "");
  layout(attr(g, "data-s"), attr(g, "data-v"), attr(g, "data-d"));
  if (searchRe) search(searchRe.source);
}
function unzoom() {
  if (!zoomed) return;
  zoomed = null;
  unzoomBtn.setAttribute("class", "hide");
  layout(0, total, 0);
  if (searchRe) search(searchRe.source);
}
function searchPrompt() {
  var term = window.prompt("Search for frames (regular expression):", searchRe ? searchRe.source : "");
  if (term) search(term);
}
function resetSearch() {
  searchRe = null;
  var list = frames.children;
  for (var i = 0; i < list.length; i++) { var r = list[i].getElementsByTagName("rect")[0]; if (fills[i] !== undefined) r.setAttribute("fill", fills[i]); }
  fills = {};
  matchedText.setAttribute("class", "hide");
  searchBtn.firstChild.nodeValue = "Search";
}
function search(term) {
  var re;
  try { re = new RegExp(term); } catch (e) { return; }
  if (searchRe) resetSearch();
  searchRe = re;
  var list = frames.children, spans = [];
  var zs = zoomed ? attr(zoomed, "data-s") : 0, zv = zoomed ? attr(zoomed, "data-v") : total;
  for (var i = 0; i < list.length; i++) {
    var g = list[i];
    if (!re.test(nameOf(g))) continue;
    var r = g.getElementsByTagName("rect")[0];
    fills[i] = r.getAttribute("fill");
    r.setAttribute("fill", "rgb(230,0,230)");
    var a = Math.max(attr(g, "data-s"), zs), b = Math.min(attr(g, "data-s") + attr(g, "data-v"), zs + zv);
    if (b > a && !/hide/.test(g.getAttribute("class"))) spans.push([a, b]);
  }
  // Nested matches would count twice: merge the sample ranges.
  spans.sort(function (x, y) { return x[0] - y[0]; });
  var covered = 0, end = -1;
  for (var j = 0; j < spans.length; j++) {
    var lo = Math.max(spans[j][0], end), hi = spans[j][1];
    if (hi > lo) covered += hi - lo;
    end = Math.max(end, hi);
  }
  matchedText.firstChild.nodeValue = "Matched: " + (100 * covered / zv).toFixed(1) + "%";
  matchedText.setAttribute("class", "");
  searchBtn.firstChild.nodeValue = "Reset Search";
}
window.addEventListener("load", init);
`;
