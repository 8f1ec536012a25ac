import type { CollapsedStacks } from "../report/collapsedText.js";
import { displayName, frameKind } from "../report/frameKind.js";
import { buildFrameTree, type FrameNode, maxDepth } from "./buildFrameTree.js";
import { FLAME_GRAPH_SCRIPT } from "./flameGraphScript.js";

/** For pages that embed graphs (embedded: true): defines dgnFlameGraph(svg). */
export { FLAME_GRAPH_LIBRARY } from "./flameGraphScript.js";

import { diffColor, frameColor } from "./frameColor.js";

export interface FlameGraphOptions {
  title?: string;
  subtitle?: string;
  /** Image width in pixels. */
  width?: number;
  frameHeight?: number;
  fontSize?: number;
  /** Frames narrower than this many pixels are left out (with their children). */
  minWidthPx?: number;
  /** What a count is: "samples". */
  countName?: string;
  /**
   * For an HTML page: no XML prolog, no script and no in-picture Search button (the page loads
   * FLAME_GRAPH_LIBRARY once and offers its own search box); styles are scoped to the graph.
   */
  embedded?: boolean;
  /** Prefix of the graph's one element id (its background), unique per graph on a page. */
  idPrefix?: string;
}

const DEFAULTS = {
  title: "Flame Graph",
  width: 1200,
  frameHeight: 16,
  fontSize: 12,
  minWidthPx: 0.1,
  countName: "samples",
  embedded: false,
  idPrefix: "fg",
};
const XPAD = 10;

/** Collapsed stacks -> a standalone interactive SVG: widths proportional to samples. Pure. */
export function renderFlameGraph(stacks: CollapsedStacks, options: FlameGraphOptions = {}): string {
  const o = { ...DEFAULTS, ...options };
  const root = buildFrameTree(stacks);
  return render(root, o, (node) => ({
    fill:
      node.depth === 0 ? frameColor("all", "root") : frameColor(node.name, frameKind(node.name)),
    title: `${displayName(node.name)}\n${fmtCount(node.value)} ${o.countName} (${pct(node.value, root.value)})`,
  }));
}

/**
 * Differential flame graph: widths from `after`, colour by change against `before`
 * (red grew, blue shrank). `before` is scaled to `after`'s total so profiles of different
 * lengths compare as shares.
 */
export function renderDiffFlameGraph(
  before: CollapsedStacks,
  after: CollapsedStacks,
  options: FlameGraphOptions = {},
): string {
  const o = { ...DEFAULTS, title: "Differential Flame Graph", ...options };
  const sum = (m: CollapsedStacks) => [...m.values()].reduce((a, b) => a + b, 0);
  const beforeTotal = sum(before);
  const scale = beforeTotal > 0 ? sum(after) / beforeTotal : 1;
  const root = buildFrameTree(after, before, scale);
  // Colour by the change in the frame's own samples, as flamegraph.pl does for diffs.
  const selfBase = new Map<FrameNode, number>();
  let maxAbs = 0;
  const walk = (n: FrameNode) => {
    const childBase = n.children.reduce((s, c) => s + c.base, 0);
    const base = Math.max(0, n.base - childBase);
    selfBase.set(n, base);
    maxAbs = Math.max(maxAbs, Math.abs(n.self - base));
    for (const c of n.children) walk(c);
  };
  walk(root);
  if (!options.subtitle) o.subtitle = "red: grew, blue: shrank (baseline scaled to the same total)";
  return render(root, o, (node) => {
    const base = selfBase.get(node) ?? 0;
    const delta = node.self - base;
    const totalDelta = node.value - node.base;
    return {
      fill: diffColor(delta, maxAbs),
      title:
        `${displayName(node.name)}\n${fmtCount(node.value)} ${o.countName} (${pct(node.value, root.value)}), ` +
        `${signed(totalDelta)} vs baseline (${node.base > 0 ? `${signed((totalDelta / node.base) * 100, 1)}%` : "new"})`,
    };
  });
}

interface Style {
  fill: string;
  title: string;
}

function render(
  root: FrameNode,
  o: typeof DEFAULTS & FlameGraphOptions,
  style: (n: FrameNode) => Style,
): string {
  const font = o.fontSize;
  const total = root.value;
  const padTop = font * 3 + (o.subtitle ? font + 4 : 0);
  const padBottom = font * 2 + 10;
  const depth = total > 0 ? maxDepth(root) : 0;
  const height = padTop + (depth + 1) * o.frameHeight + padBottom;
  const scale = total > 0 ? (o.width - 2 * XPAD) / total : 0;
  const bg = `${esc(o.idPrefix)}-background`;
  const out: string[] = [];
  if (!o.embedded) out.push(`<?xml version="1.0" standalone="no"?>\n`);
  out.push(
    `<svg version="1.1" class="fg" width="${o.width}" height="${height}" viewBox="0 0 ${o.width} ${height}" xmlns="http://www.w3.org/2000/svg"`,
    ` data-total="${total}" data-xpad="${XPAD}" data-font="${font}">\n`,
    `<defs><linearGradient id="${bg}" y1="0" y2="1" x1="0" x2="0"><stop stop-color="#eeeeee" offset="5%"/><stop stop-color="#eeeeb0" offset="95%"/></linearGradient></defs>\n`,
    // Every selector under .fg: inside an HTML page an SVG's <style> applies to the whole page.
    `<style type="text/css">.fg text { font-family: Verdana, "DejaVu Sans", sans-serif; font-size: ${font}px; fill: rgb(0,0,0); }\n`,
    `.fg .fg-title { text-anchor: middle; font-size: ${font + 5}px; } .fg .fg-subtitle { text-anchor: middle; fill: rgb(80,80,80); }\n`,
    `.fg .fg-search, .fg .fg-unzoom, .fg .fg-matched { cursor: pointer; } .fg .fg-search, .fg .fg-matched { text-anchor: end; } .fg .hide { display: none; }\n`,
    `.fg .f { cursor: pointer; } .fg .f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; } .fg .f text { pointer-events: none; } .fg .parent { opacity: 0.5; }</style>\n`,
  );
  if (!o.embedded)
    out.push(
      `<script type="text/ecmascript"><![CDATA[${FLAME_GRAPH_SCRIPT.replaceAll("]]>", "]]]]><![CDATA[>")}]]></script>\n`,
    );
  out.push(
    `<rect x="0" y="0" width="${o.width}" height="${height}" fill="url(#${bg})"/>\n`,
    `<text class="fg-title" x="${o.width / 2}" y="${font * 2}">${esc(o.title)}</text>\n`,
  );
  if (o.subtitle)
    out.push(
      `<text class="fg-subtitle" x="${o.width / 2}" y="${font * 3 + 2}">${esc(o.subtitle)}</text>\n`,
    );
  out.push(
    `<text class="fg-details" x="${XPAD}" y="${height - font}"> </text>\n`,
    `<text class="fg-unzoom hide" x="${XPAD}" y="${font * 2}">Reset Zoom</text>\n`,
  );
  if (!o.embedded)
    out.push(`<text class="fg-search" x="${o.width - XPAD}" y="${font * 2}">Search</text>\n`);
  out.push(
    `<text class="fg-matched hide" x="${o.width - XPAD}" y="${height - font}"> </text>\n`,
    `<g class="fg-frames">\n`,
  );
  const stack: FrameNode[] = total > 0 ? [root] : [];
  while (stack.length > 0) {
    const n = stack.pop() as FrameNode;
    const w = n.value * scale;
    if (n.value <= 0 || w < o.minWidthPx) continue;
    const x = XPAD + n.start * scale;
    const y = height - padBottom - (n.depth + 1) * o.frameHeight;
    const s = style(n);
    const label = fitLabel(displayName(n.name), w, font);
    out.push(
      `<g class="f" data-d="${n.depth}" data-s="${n.start}" data-v="${n.value}"><title>${esc(s.title)}</title>`,
      `<rect x="${r2(x)}" y="${y}" width="${r2(w)}" height="${o.frameHeight - 1}" fill="${s.fill}" rx="2" ry="2"/>`,
      `<text x="${r2(x + 3)}" y="${y + o.frameHeight - 5}"${isDark(s.fill) ? ' style="fill: rgb(255,255,255)"' : ""}>${esc(label)}</text></g>\n`,
    );
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as FrameNode);
  }
  out.push("</g>\n</svg>\n");
  return out.join("");
}

/** What fits in the frame, as the script does after a zoom. */
function fitLabel(name: string, widthPx: number, font: number): string {
  const n = Math.floor((widthPx - 6) / (font * 0.59));
  if (n < 3) return "";
  return name.length <= n ? name : `${name.slice(0, n - 2)}..`;
}

/** Labels on saturated diff colours (full blue, full red) need white text to be read. */
function isDark(rgb: string): boolean {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b < 110;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function r2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

function pct(n: number, of: number): string {
  return `${of > 0 ? ((n / of) * 100).toFixed(2) : "0.00"}%`;
}

function fmtCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(1);
}

function signed(n: number, digits = 0): string {
  const s = n.toFixed(digits);
  return n > 0 ? `+${s}` : s;
}
