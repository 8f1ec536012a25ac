/** Plain-text tables with word-wrapped cells, sized to a terminal width. Pure. */

export interface Column {
  header: string;
  /** Wrap this column's cells; unwrapped columns take their natural width. */
  wrap?: boolean;
}

/** Greedy word wrap; words longer than the width are cut. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (let word of paragraph.split(/\s+/).filter(Boolean)) {
      while (word.length > width) {
        if (line) lines.push(line);
        lines.push(word.slice(0, width));
        word = word.slice(width);
        line = "";
      }
      if (!word) continue;
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines.length > 0 ? lines : [""];
}

const MIN_WRAP_WIDTH = 8;

export interface TableOptions {
  width: number;
  gap?: number;
  /** Decorates a cell's padded text (e.g. colour); must not change its visible width. */
  style?: (row: number, col: number, text: string) => string;
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly string[][],
  options: TableOptions,
): string {
  const gap = options.gap ?? 2;
  const natural = columns.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)),
  );
  const fixed = columns.reduce((s, c, i) => s + (c.wrap ? 0 : (natural[i] ?? 0)), 0);
  const wrapped = columns.map((c, i) => (c.wrap ? i : -1)).filter((i) => i >= 0);
  let room = options.width - fixed - gap * (columns.length - 1);
  const widths = [...natural];
  // Give wrapped columns what they need, smallest first, sharing what is left evenly.
  const order = [...wrapped].sort((a, b) => (natural[a] ?? 0) - (natural[b] ?? 0));
  order.forEach((i, k) => {
    const share = Math.floor(room / (order.length - k));
    // Below a few characters a column is unreadable: overflow the width instead.
    const w = Math.max(MIN_WRAP_WIDTH, Math.min(natural[i] ?? 0, share));
    widths[i] = w;
    room -= w;
  });
  const out: string[] = [];
  const emit = (cells: readonly string[], row: number): void => {
    const cellLines = cells.map((cell, i) =>
      columns[i]?.wrap ? wrapText(cell, widths[i] ?? 10) : [cell],
    );
    const height = Math.max(...cellLines.map((l) => l.length));
    for (let h = 0; h < height; h++) {
      const parts = cellLines.map((lines, i) => {
        const text = (lines[h] ?? "").padEnd(widths[i] ?? 0);
        return row >= 0 && options.style ? options.style(row, i, text) : text;
      });
      out.push(parts.join(" ".repeat(gap)).trimEnd());
    }
  };
  emit(
    columns.map((c) => c.header),
    -1,
  );
  rows.forEach((r, i) => {
    emit(r, i);
  });
  return out.join("\n");
}
