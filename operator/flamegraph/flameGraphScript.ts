/**
 * The browser side of a flame graph: hover details, click to zoom, search. Plain ES5-ish so any
 * viewer that runs SVG scripts can. `dgnFlameGraph(svg)` works on one graph: it finds its parts
 * by class inside that <svg> (so several graphs can share an HTML page) and reads the layout from
 * data-* attributes on each frame (d = depth, s = start and v = width in samples) and the graph's
 * geometry from the root.
 */
export const FLAME_GRAPH_LIBRARY = `
function dgnFlameGraph(svg) {
  "use strict";
  function part(c) { return svg.getElementsByClassName(c)[0]; }
  function attr(e, n) { return +e.getAttribute(n); }
  function setHidden(e, hidden) {
    var c = (e.getAttribute("class") || "").replace(/(^| )hide( |$)/g, " ").replace(/^ +| +$/g, "");
    e.setAttribute("class", hidden ? (c ? c + " hide" : "hide") : c);
  }
  var frames = part("fg-frames"), details = part("fg-details").firstChild;
  var unzoomBtn = part("fg-unzoom"), matchedText = part("fg-matched");
  var W = attr(svg, "width"), XPAD = attr(svg, "data-xpad"), FONT = attr(svg, "data-font"), total = attr(svg, "data-total");
  var zoomed = null, searchRe = null, fills = {}, matched = null;
  function frameOf(e) { while (e && e !== svg) { if (e.getAttribute && /(^| )f( |$)/.test(e.getAttribute("class") || "")) return e; e = e.parentNode; } return null; }
  function nameOf(g) { return g.getElementsByTagName("title")[0].textContent.split("\\n")[0]; }
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
    setHidden(unzoomBtn, false);
    layout(attr(g, "data-s"), attr(g, "data-v"), attr(g, "data-d"));
    if (searchRe) search(searchRe.source);
  }
  function unzoom() {
    if (!zoomed) return;
    zoomed = null;
    setHidden(unzoomBtn, true);
    layout(0, total, 0);
    if (searchRe) search(searchRe.source);
  }
  function resetSearch() {
    searchRe = null; matched = null;
    var list = frames.children;
    for (var i = 0; i < list.length; i++) { var r = list[i].getElementsByTagName("rect")[0]; if (fills[i] !== undefined) { r.setAttribute("fill", fills[i]); list[i].removeAttribute("data-match"); } }
    fills = {};
    setHidden(matchedText, true);
  }
  /** Highlights frames whose name matches the regular expression; returns the share matched (%), or null for a bad expression. */
  function search(term) {
    var re;
    try { re = new RegExp(term); } catch (e) { return null; }
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
      g.setAttribute("data-match", "1");
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
    matched = zv > 0 ? 100 * covered / zv : 0;
    matchedText.firstChild.nodeValue = "Matched: " + matched.toFixed(1) + "%";
    setHidden(matchedText, false);
    return matched;
  }
  frames.addEventListener("click", function (e) { var g = frameOf(e.target); if (g) zoom(g); });
  frames.addEventListener("mouseover", function (e) { var g = frameOf(e.target); if (g) details.nodeValue = g.getElementsByTagName("title")[0].textContent.replace("\\n", ": "); });
  frames.addEventListener("mouseout", function () { details.nodeValue = " "; });
  unzoomBtn.addEventListener("click", unzoom);
  return {
    search: search, resetSearch: resetSearch, zoom: zoom, unzoom: unzoom,
    searching: function () { return searchRe !== null; },
    term: function () { return searchRe ? searchRe.source : ""; }
  };
}
`;

/** A standalone SVG document: one graph, the in-picture Search button, Ctrl-F, Esc and ?s=term. */
const STANDALONE_BOOT = `
window.addEventListener("load", function () {
  var svg = document.documentElement, fg = dgnFlameGraph(svg);
  var searchBtn = svg.getElementsByClassName("fg-search")[0];
  function label() { searchBtn.firstChild.nodeValue = fg.searching() ? "Reset Search" : "Search"; }
  function prompt() {
    var term = window.prompt("Search for frames (regular expression):", fg.term());
    if (term) fg.search(term);
    label();
  }
  searchBtn.addEventListener("click", function () { if (fg.searching()) { fg.resetSearch(); label(); } else prompt(); });
  window.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.keyCode === 70) { e.preventDefault(); prompt(); }
    else if (e.keyCode === 27) { fg.resetSearch(); fg.unzoom(); label(); }
  });
  var q = /[?&]s=([^&]*)/.exec(window.location.search);
  if (q) { fg.search(decodeURIComponent(q[1])); label(); }
});
`;

/** What a standalone SVG embeds. */
export const FLAME_GRAPH_SCRIPT = `"use strict";${FLAME_GRAPH_LIBRARY}${STANDALONE_BOOT}`;
