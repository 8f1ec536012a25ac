/**
 * A remediation sentence cut into prose and the commands and JVM flags inside it, so the page can
 * put each command in a box with a copy button. The rules write commands inline ("Remove the
 * rule: nsenter --net=... iptables -t filter -D ... ; nsenter ..."); this finds them by the
 * programs the rules name. Pure.
 */

export type RemediationPart = { kind: "text"; text: string } | { kind: "command"; text: string };

/** A program the rules tell a person to run, with what must follow it to be a command, not prose. */
const COMMAND_START = new RegExp(
  [
    String.raw`nsenter\s+--`,
    String.raw`(?:iptables|ip6tables)(?:-legacy|-nft)?\s+-`,
    String.raw`nft\s+(?:list|delete|add|flush|-)`,
    String.raw`tc\s+(?:qdisc|class|filter|-)`,
    String.raw`ip\s+(?:link|addr|address|route|-)`,
    String.raw`sysctl\s+-`,
    String.raw`conntrack\s+-`,
    String.raw`ethtool\s+-`,
    String.raw`kubectl\s+[a-z]`,
    String.raw`diagnose-collector\s+[a-z-]`,
    String.raw`jcmd\s+\S`,
    String.raw`java\s+-`,
  ]
    .map((s) => `(?:${s})`)
    .join("|"),
  "g",
);

/** A JVM option with a value: -Xmx66m, -Xss512k, -XX:MaxRAMPercentage=35, -XX:+UseG1GC. */
const JVM_FLAG = /-X(?:m[sx]|ss)\d+[kKmMgG]?\b|-XX:[+-]?[A-Za-z]+(?:=[\w.%]+)?/g;

/** Where a command that starts at `from` ends: the first separator the rules use, or the end. */
function commandEnd(text: string, from: number, inParens: boolean): number {
  let end = text.length;
  const stops = [" ; ", "; ", ", or ", " or ", " and ", ". "];
  if (inParens) stops.push(")");
  for (const s of stops) {
    const i = text.indexOf(s, from);
    if (i >= 0 && i < end) end = i;
  }
  // A sentence's closing full stop is not part of the command.
  while (end > from && /[.,]/.test(text[end - 1]!)) end--;
  return end;
}

function startsAfterWordBoundary(text: string, at: number): boolean {
  return at === 0 || /[\s(:]/.test(text[at - 1]!);
}

export function remediationParts(text: string): RemediationPart[] {
  const spans: { from: number; to: number }[] = [];
  COMMAND_START.lastIndex = 0;
  for (let m = COMMAND_START.exec(text); m; m = COMMAND_START.exec(text)) {
    if (!startsAfterWordBoundary(text, m.index)) continue;
    const open = text.lastIndexOf("(", m.index);
    const inParens = open >= 0 && text.indexOf(")", open) > m.index;
    const to = commandEnd(text, m.index, inParens);
    spans.push({ from: m.index, to });
    COMMAND_START.lastIndex = Math.max(to, m.index + 1);
  }
  JVM_FLAG.lastIndex = 0;
  for (let m = JVM_FLAG.exec(text); m; m = JVM_FLAG.exec(text)) {
    const from = m.index;
    const to = from + m[0].length;
    if (!startsAfterWordBoundary(text, from)) continue;
    if (spans.some((s) => from < s.to && to > s.from)) continue;
    spans.push({ from, to });
  }
  spans.sort((a, b) => a.from - b.from);
  const parts: RemediationPart[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.from > at) parts.push({ kind: "text", text: text.slice(at, s.from) });
    parts.push({ kind: "command", text: text.slice(s.from, s.to) });
    at = s.to;
  }
  if (at < text.length) parts.push({ kind: "text", text: text.slice(at) });
  return parts;
}
