import { displayName, type FrameKind } from "../report/frameKind.js";

/** Ranges per kind: [r, g, b] base and span. The name's hash picks a point, so colours are stable. */
const PALETTE: Record<
  FrameKind,
  { base: [number, number, number]; span: [number, number, number] }
> = {
  // User code: yellow, as flamegraph.pl colours C/C++ frames.
  user: { base: [215, 195, 60], span: [35, 40, 50] },
  // Kernel: orange.
  kernel: { base: [235, 105, 20], span: [20, 60, 40] },
  // JIT-compiled code: green.
  jit: { base: [60, 185, 60], span: [60, 45, 50] },
  // Inlined into the frame below (JIT): aqua, as flamegraph.pl's java palette.
  inline: { base: [80, 190, 190], span: [40, 40, 40] },
  // Unresolved: grey.
  unknown: { base: [165, 165, 165], span: [30, 30, 30] },
  root: { base: [190, 195, 215], span: [10, 10, 10] },
};

export function frameColor(name: string, kind: FrameKind): string {
  const p = PALETTE[kind];
  const h = fnv1a(displayName(name));
  const v = [(h & 0xff) / 255, ((h >>> 8) & 0xff) / 255, ((h >>> 16) & 0xff) / 255];
  // Greys stay grey: one shade for all three channels.
  if (kind === "unknown" || kind === "root") v[1] = v[2] = v[0] as number;
  const c = p.base.map((b, i) => Math.round(b + p.span[i as 0 | 1 | 2] * (v[i] ?? 0)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Differential colour: red where the frame grew, blue where it shrank, white when unchanged. */
export function diffColor(delta: number, maxAbsDelta: number): string {
  if (maxAbsDelta <= 0 || delta === 0) return "rgb(250,250,250)";
  const ratio = Math.min(1, Math.abs(delta) / maxAbsDelta);
  const fade = Math.round(220 * (1 - ratio));
  return delta > 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
