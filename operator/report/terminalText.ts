/**
 * Text from a target (process names, paths, java.home, summaries that quote them) made safe for a
 * terminal: control characters (C0 but newline, DEL, C1 such as the 8-bit CSI 0x9b), line and
 * paragraph separators, and the bidirectional overrides that reorder what a reader sees become
 * U+FFFD, so no escape sequence, carriage return or fake line reaches a person's terminal. Pure.
 */

// \p{Cc}: C0, DEL, C1; \p{Zl}\p{Zp}: U+2028/2029; then the bidi marks, embeddings and isolates.
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const UNSAFE_BUT_NEWLINE =
  /(?!\n)[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

export const REPLACEMENT = "\ufffd";

/** Cuts at maxChars UTF-16 units without leaving half a surrogate pair; marks the cut with …. */
function cap(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  let cut = s.slice(0, Math.max(0, maxChars - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** One line: every unsafe character (newlines too) replaced, at most maxChars. */
export function terminalLine(s: string, maxChars = 4096): string {
  return cap(s, maxChars).replace(UNSAFE, REPLACEMENT);
}

/** Several lines (newlines kept, carriage returns not): for rendered reports. */
export function terminalText(s: string): string {
  return s.replace(UNSAFE_BUT_NEWLINE, REPLACEMENT);
}

// Left raw by JSON.stringify (C1, DEL, U+2028/9, bidi) or by yaml's double quotes (also tabs).
const RAW_IN_QUOTES = /[\t\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * For JSON text, or YAML whose strings are all double-quoted: unsafe characters still raw inside
 * the quotes become \uXXXX escapes, which both formats read back as the same character: the data
 * is unchanged, the terminal sees no control character.
 */
export function escapeRawInQuotes(text: string): string {
  return text.replace(RAW_IN_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Whether any string (or key) in a JSON-like value holds a character terminalLine would replace. */
export function hasUnsafeText(value: unknown): boolean {
  return (
    JSON.stringify(terminalSafeValue(value, Number.MAX_SAFE_INTEGER)) !== JSON.stringify(value)
  );
}

/** A copy of a JSON-like value with every string (and key) made a safe single line. */
export function terminalSafeValue<T>(value: T, maxChars = 4096): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return terminalLine(v, maxChars);
    if (v === null || typeof v !== "object") return v;
    // Deeper than any Diagnosis field: shown as a marker rather than unchecked.
    if (depth > 64) return REPLACEMENT;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[terminalLine(k, 256)] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}
