/**
 * The page's pictures as inline SVG: memory bars against the limit, restarts over time, and how
 * long each check took. Pure; every label is escaped.
 */
import { formatMemorySize as size } from "../analysis/formatMemorySize.js";
import { escapeHtml as esc } from "./escapeHtml.js";
import type { CheckTiming, MemoryPicture, MemorySegment, RestartHistory } from "./pageModel.js";

const WIDTH = 960;
const LABEL_W = 250;
const PLOT_W = WIDTH - LABEL_W - 150;

export const TONE_COLORS: Record<MemorySegment["tone"], string> = {
  heap: "#3b7dd8",
  metaspace: "#8e5bd6",
  classes: "#b48be8",
  code: "#2aa198",
  threads: "#e0a030",
  direct: "#d9534f",
  native: "#8a8f98",
  anon: "#c0504d",
  file: "#9bbb59",
  other: "#7f8c9d",
};

function r1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/**
 * The scale's end: the limit and what was measured with room to spare. A JVM's most-it-can-use
 * bar may be many times the limit (a default direct-memory ceiling the size of the heap); it is
 * cut at the scale's end rather than squeezing the measured bars into a sliver.
 */
function scaleEnd(p: MemoryPicture, totals: readonly number[]): number {
  const measured = p.bars
    .map((b, i) => (b.label.endsWith("most it can use") ? 0 : totals[i]!))
    .reduce((a, b) => Math.max(a, b), 0);
  const anchor = Math.max(p.limitBytes ?? 0, measured);
  const all = Math.max(anchor, ...totals);
  return (anchor > 0 ? Math.min(all, anchor * 1.6) : all) * 1.05 || 1;
}

/** Bars on one byte scale, the limit as a red line across all of them. */
export function renderMemoryPicture(p: MemoryPicture): string {
  const totals = p.bars.map((b) => b.segments.reduce((s, x) => s + x.bytes, 0));
  const max = scaleEnd(p, totals);
  const x = (bytes: number) => LABEL_W + (Math.min(bytes, max) / max) * PLOT_W;
  const rowH = 34;
  const top = 26;
  const height = top + p.bars.length * rowH + 30;
  const out: string[] = [
    `<svg class="chart memory-chart" role="img" aria-label="memory usage against the limit" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
  ];
  p.bars.forEach((bar, i) => {
    const y = top + i * rowH;
    out.push(
      `<text class="bar-label${bar.oom ? " oom" : ""}" x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${esc(bar.label)}</text>`,
    );
    if (bar.note)
      out.push(
        `<text class="bar-note" x="${LABEL_W - 8}" y="${y + 28}" text-anchor="end">${esc(bar.note)}</text>`,
      );
    let at = 0;
    for (const s of bar.segments) {
      const x0 = x(at);
      const w = x(at + s.bytes) - x0;
      at += s.bytes;
      if (w <= 0) continue;
      out.push(
        `<rect class="seg" x="${r1(x0)}" y="${y + 2}" width="${r1(Math.max(0.5, w))}" height="20" fill="${TONE_COLORS[s.tone]}"><title>${esc(`${s.name}: ${size(s.bytes)}${s.source ? ` (${s.source})` : ""}`)}</title></rect>`,
      );
      if (w > 46)
        out.push(
          `<text class="seg-label" x="${r1(x0 + 4)}" y="${y + 16}">${esc(fitText(`${s.name} ${size(s.bytes)}`, w - 8))}</text>`,
        );
    }
    const cut = at > max;
    const end = x(at);
    if (cut)
      out.push(
        `<path class="cut" d="M${r1(end - 9)},${y} l6,12 l-6,12 M${r1(end - 4)},${y} l6,12 l-6,12" />`,
      );
    out.push(
      `<text class="bar-total" x="${r1(end + 6)}" y="${y + 16}">${esc(size(at))}${cut ? " (cut)" : ""}${bar.oom ? " ✖ OOM" : ""}</text>`,
    );
  });
  if (p.limitBytes !== undefined) {
    const lx = r1(x(p.limitBytes));
    out.push(
      `<line class="limit" x1="${lx}" x2="${lx}" y1="${top - 6}" y2="${height - 22}" />`,
      `<text class="limit-label" x="${lx}" y="${top - 10}" text-anchor="middle">limit ${esc(size(p.limitBytes))}</text>`,
    );
  }
  out.push(
    `<line class="axis" x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${height - 22}" y2="${height - 22}" />`,
    `<text class="tick" x="${LABEL_W}" y="${height - 8}">0</text>`,
    `<text class="tick" x="${LABEL_W + PLOT_W}" y="${height - 8}" text-anchor="end">${esc(size(max))}</text>`,
    "</svg>",
  );
  return out.join("\n");
}

/** Roughly what fits in `px` at the chart's 11px font. */
function fitText(s: string, px: number): string {
  const n = Math.floor(px / 6.2);
  return s.length <= n ? s : n > 3 ? `${s.slice(0, n - 1)}…` : "";
}

/** Restarts and OOM kills on a time axis; the y axis counts them in order. */
export function renderRestartTimeline(h: RestartHistory): string {
  const timed = h.points
    .map((p) => ({ p, t: p.time ? Date.parse(p.time) : Number.NaN }))
    .filter((e) => Number.isFinite(e.t))
    .sort((a, b) => a.t - b.t);
  if (timed.length === 0) return "";
  const t0 = timed[0]!.t;
  const t1 = timed.at(-1)!.t;
  const span = Math.max(1000, t1 - t0);
  const height = timed.length > 1 ? 180 : 80;
  const left = 60;
  const right = WIDTH - 30;
  const plotTop = 20;
  const plotBottom = height - 40;
  const x = (t: number) => left + ((t - t0) / span) * (right - left);
  const yOf = (i: number) =>
    timed.length > 1
      ? plotBottom - (i / (timed.length - 1)) * (plotBottom - plotTop)
      : (plotTop + plotBottom) / 2;
  // One event has no span: put it in the middle of the axis.
  const xOf = (t: number) => (timed.length > 1 ? x(t) : (left + right) / 2);
  const out: string[] = [
    `<svg class="chart restart-chart" role="img" aria-label="restarts over time" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<line class="axis" x1="${left}" x2="${right}" y1="${plotBottom}" y2="${plotBottom}" />`,
  ];
  if (timed.length > 1)
    out.push(`<line class="axis" x1="${left}" x2="${left}" y1="${plotTop}" y2="${plotBottom}" />`);
  if (timed.length > 1) {
    const path = timed.map((e, i) => `${i === 0 ? "M" : "L"}${r1(x(e.t))},${r1(yOf(i))}`).join(" ");
    out.push(`<path class="restart-line" d="${path}" />`);
  }
  timed.forEach((e, i) => {
    const oom = e.p.kind === "oomKill" || /oom/i.test(e.p.reason ?? "");
    const label = `${new Date(e.t).toISOString()}  ${e.p.what}${e.p.reason ? `  ${e.p.reason}` : ""}${e.p.exitCode !== undefined ? `  exit ${e.p.exitCode}` : ""}${e.p.restartCount !== undefined ? `  restart #${e.p.restartCount}` : ""}`;
    out.push(
      `<circle class="restart-point${oom ? " oom" : ""}${e.p.kind === "oomKill" ? " kernel" : ""}" cx="${r1(xOf(e.t))}" cy="${r1(yOf(i))}" r="5"><title>${esc(label)}</title></circle>`,
    );
    if (timed.length <= 3)
      out.push(
        `<text class="point-label" x="${r1(xOf(e.t) + 9)}" y="${r1(yOf(i) + 4)}">${esc(`${e.p.kind === "oomKill" ? "OOM kill" : "restart"} ${e.p.what}${e.p.reason ? `, ${e.p.reason}` : ""}`.slice(0, 90))}</text>`,
      );
  });
  const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");
  if (timed.length > 1)
    out.push(
      `<text class="tick" x="${left}" y="${height - 20}">${esc(iso(t0))}</text>`,
      `<text class="tick" x="${right}" y="${height - 20}" text-anchor="end">${esc(iso(t1))}</text>`,
      `<text class="tick" x="${left - 8}" y="${plotBottom}" text-anchor="end">1</text>`,
      `<text class="tick" x="${left - 8}" y="${plotTop + 4}" text-anchor="end">${timed.length}</text>`,
      `<text class="tick" x="${(left + right) / 2}" y="${height - 4}" text-anchor="middle">${esc(`${timed.length} events over ${formatSpan(span)}`)}</text>`,
    );
  else
    out.push(
      `<text class="tick" x="${(left + right) / 2}" y="${height - 20}" text-anchor="middle">${esc(iso(t0))}</text>`,
    );
  out.push("</svg>");
  return out.join("\n");
}

function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m}m` : `${Math.round(m / 60)}h`;
}

/** One bar per check, its length the time it took. */
export function renderCheckTimings(checks: readonly CheckTiming[]): string {
  const timed = checks.filter((c) => c.durationMs !== undefined);
  if (timed.length === 0) return "";
  const max = Math.max(1, ...timed.map((c) => c.durationMs!));
  const rowH = 24;
  const labelW = 120;
  const plotW = WIDTH - labelW - 260;
  const height = timed.length * rowH + 10;
  const out: string[] = [
    `<svg class="chart timing-chart" role="img" aria-label="time per check" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
  ];
  timed.forEach((c, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(1, (c.durationMs! / max) * plotW);
    out.push(
      `<text class="bar-label" x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(c.check)}</text>`,
      `<rect class="timing ${c.status === "ok" ? "ok" : "not-ok"}" x="${labelW}" y="${y + 2}" width="${r1(w)}" height="16"><title>${esc(`${c.check}: ${c.status}, ${c.durationMs} ms${c.reason ? ` (${c.reason})` : ""}`)}</title></rect>`,
      `<text class="bar-total" x="${r1(labelW + w + 6)}" y="${y + 14}">${esc(`${c.durationMs} ms${c.status === "ok" ? "" : `, ${c.status}`}`)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}
