/**
 * Escaping for everything the page prints that came from a Diagnosis or a report: text and
 * attribute values alike. Evidence is hostile input (process names, rule comments, interface
 * names come from the target), so no string reaches the page unescaped.
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Text content and quoted attribute values. Control characters other than tab/newline go too. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\ufffd");
}

/** A string as it may be shown: bounded, so one huge evidence value cannot swamp the page. */
export function clip(value: string, maxChars: number): string {
  return value.length <= maxChars
    ? value
    : `${value.slice(0, maxChars)}… (${value.length - maxChars} more characters)`;
}
