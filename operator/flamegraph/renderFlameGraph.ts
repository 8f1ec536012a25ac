import type { CollapsedStacks } from "../report/collapsedText.js";
import { displayName, frameKind } from "../report/frameKind.js";
import { buildFrameTree, type FrameTree, maxDepth } from "./buildFrameTree.js";
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
  return [...flameGraphChunks(buildFrameTree(stacks), options)].join("");
}

/**
 * renderFlameGraph as a sequence of chunks of some 8 Ki characters, from a tree built as the
 * stacks were read (FrameTreeBuilder): write them to a stream (writeChunks) instead of holding
 * the SVG.
 */
export function* flameGraphChunks(
  tree: FrameTree,
  options: FlameGraphOptions = {},
): Generator<string> {
  const o = { ...DEFAULTS, ...options };
  const total = tree.value[0]!;
  const countName = esc(o.countName);
  const root = frameColor("all", "root");
  const fills = new Map<number, string>();
  yield* render(tree, o, (node) => {
    const id = tree.nameOf[node]!;
    let fill = fills.get(id);
    if (fill === undefined) {
      const name = tree.names[id]!;
      fill = frameColor(name, frameKind(name));
      fills.set(id, fill);
    }
    return {
      fill: node === 0 ? root : fill,
      title: `${fmtCount(tree.value[node]!)} ${countName} (${pct(tree.value[node]!, total)})`,
    };
  });
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
  const sum = (m: CollapsedStacks) => [...m.values()].reduce((a, b) => a + b, 0);
  const beforeTotal = sum(before);
  const scale = beforeTotal > 0 ? sum(after) / beforeTotal : 1;
  return [...diffFlameGraphChunks(buildFrameTree(after, before, scale), options)].join("");
}

/** renderDiffFlameGraph in chunks, from a tree whose base is the baseline scaled to its total. */
export function* diffFlameGraphChunks(
  tree: FrameTree,
  options: FlameGraphOptions = {},
): Generator<string> {
  const o = { ...DEFAULTS, title: "Differential Flame Graph", ...options };
  if (!options.subtitle) o.subtitle = "red: grew, blue: shrank (baseline scaled to the same total)";
  // Colour by the change in the frame's own samples, as flamegraph.pl does for diffs.
  const base = tree.base ?? new Float64Array(tree.size);
  const self = new Float64Array(tree.size);
  const selfBase = new Float64Array(tree.size);
  let maxAbs = 0;
  for (let n = 0; n < tree.size; n++) {
    let childValue = 0;
    let childBase = 0;
    for (let i = tree.firstChild[n]!; i < tree.firstChild[n + 1]!; i++) {
      childValue += tree.value[tree.childList[i]!]!;
      childBase += base[tree.childList[i]!]!;
    }
    self[n] = tree.value[n]! - childValue;
    selfBase[n] = Math.max(0, base[n]! - childBase);
    maxAbs = Math.max(maxAbs, Math.abs(self[n]! - selfBase[n]!));
  }
  const total = tree.value[0]!;
  const countName = esc(o.countName);
  yield* render(tree, o, (node) => {
    const value = tree.value[node]!;
    const baseValue = base[node]!;
    const delta = self[node]! - selfBase[node]!;
    const totalDelta = value - baseValue;
    return {
      fill: diffColor(delta, maxAbs),
      title:
        `${fmtCount(value)} ${countName} (${pct(value, total)}), ` +
        `${signed(totalDelta)} vs baseline (${baseValue > 0 ? `${signed((totalDelta / baseValue) * 100, 1)}%` : "new"})`,
    };
  });
}

/**
 * Writes chunks to a stream, waiting when it asks to (backpressure); rejects with the stream's
 * error (a closed pipe) instead of leaving it unhandled.
 */
export async function writeChunks(
  chunks: Iterable<string>,
  out: NodeJS.WritableStream,
): Promise<void> {
  let failed: Error | undefined;
  const onError = (e: Error) => {
    failed ??= e;
  };
  out.on("error", onError);
  try {
    for (const chunk of chunks) {
      if (failed) throw failed;
      if (!out.write(chunk))
        await new Promise<void>((resolve) => {
          const done = () => {
            out.off("drain", done);
            out.off("error", done);
            resolve();
          };
          out.once("drain", done);
          out.once("error", done);
        });
    }
    if (failed) throw failed;
    await new Promise<void>((resolve, reject) =>
      out.write("", (err) => (err ? reject(err) : failed ? reject(failed) : resolve())),
    );
  } finally {
    out.off("error", onError);
  }
}

interface Style {
  fill: string;
  /** The title after the frame's name line, escaped. */
  title: string;
}

/**
 * About this many characters per chunk handed on: small, so a chunk being built is little of
 * what the garbage collector finds alive (64 Ki grew the young generation by 20 MB).
 */
const CHUNK_CHARS = 8192;

function* render(
  tree: FrameTree,
  o: typeof DEFAULTS & FlameGraphOptions,
  style: (node: number) => Style,
): Generator<string> {
  const font = o.fontSize;
  const total = tree.value[0]!;
  const padTop = font * 3 + (o.subtitle ? font + 4 : 0);
  const padBottom = font * 2 + 10;
  const scale = total > 0 ? (o.width - 2 * XPAD) / total : 0;
  // Frames narrower than minWidthPx are not drawn, nor counted in the height (flamegraph.pl).
  const depth = total > 0 ? maxDepth(tree, scale, o.minWidthPx) : 0;
  const height = padTop + (depth + 1) * o.frameHeight + padBottom;
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
  yield out.join("");
  const names = displayNames(tree);
  const darkFills = new Map<string, boolean>();
  // Depth first, children in name order: each node with its depth and left edge (in samples).
  const stack: number[] = total > 0 ? [0] : [];
  const depths: number[] = [0];
  const starts: number[] = [0];
  const childStarts: number[] = [];
  let chunk = "";
  while (stack.length > 0) {
    const n = stack.pop()!;
    const d = depths.pop()!;
    const start = starts.pop()!;
    const value = tree.value[n]!;
    const w = value * scale;
    if (value <= 0 || w < o.minWidthPx) continue;
    const x = XPAD + start * scale;
    const y = height - padBottom - (d + 1) * o.frameHeight;
    const s = style(n);
    const name = names[tree.nameOf[n]!]!;
    const label = fitLabel(name.text, w, font);
    let dark = darkFills.get(s.fill);
    if (dark === undefined) {
      dark = isDark(s.fill);
      darkFills.set(s.fill, dark);
    }
    chunk +=
      `<g class="f" data-d="${d}" data-s="${start}" data-v="${value}"><title>${name.escaped}\n${s.title}</title>` +
      `<rect x="${r2(x)}" y="${y}" width="${r2(w)}" height="${o.frameHeight - 1}" fill="${s.fill}" rx="2" ry="2"/>` +
      `<text x="${r2(x + 3)}" y="${y + o.frameHeight - 5}"${dark ? ' style="fill: rgb(255,255,255)"' : ""}>${label === name.text ? name.escaped : name.special ? esc(label) : label}</text></g>\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
    const from = tree.firstChild[n]!;
    const to = tree.firstChild[n + 1]!;
    // Left edges summed left to right, then pushed right to left so the first child is next.
    let offset = start;
    childStarts.length = 0;
    for (let i = from; i < to; i++) {
      childStarts.push(offset);
      offset += tree.value[tree.childList[i]!]!;
    }
    for (let i = to - 1; i >= from; i--) {
      stack.push(tree.childList[i]!);
      depths.push(d + 1);
      starts.push(childStarts[i - from]!);
    }
  }
  yield `${chunk}</g>\n</svg>\n`;
}

/** Per name: as shown (kind annotation dropped), escaped for XML, and whether escaping changed it. */
function displayNames(tree: FrameTree): { text: string; escaped: string; special: boolean }[] {
  return tree.names.map((n) => {
    const text = displayName(n);
    const escaped = esc(text);
    return { text, escaped, special: escaped !== text };
  });
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

/** As toLocaleString("en-US") writes an integer (thousands separated by ","), without Intl. */
function fmtCount(n: number): string {
  if (!Number.isInteger(n)) return n.toFixed(1);
  if (n < 0 || n >= 1e21) return n.toLocaleString("en-US");
  const digits = String(n);
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

function signed(n: number, digits = 0): string {
  const s = n.toFixed(digits);
  return n > 0 ? `+${s}` : s;
}
