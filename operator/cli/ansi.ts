/** ANSI colours for the report; identity functions when colour is off. */
export interface Palette {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;

export const COLOR: Palette = {
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  green: sgr(32, 39),
  cyan: sgr(36, 39),
  dim: sgr(2, 22),
  bold: sgr(1, 22),
};

const same = (s: string): string => s;
const PLAIN: Palette = {
  red: same,
  yellow: same,
  green: same,
  cyan: same,
  dim: same,
  bold: same,
};

export function palette(color: boolean): Palette {
  return color ? COLOR : PLAIN;
}
