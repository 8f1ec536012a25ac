/**
 * Kubernetes label selector (the string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`, comma-joined) parsed once and matched against label maps. Pure. The operator's config
 * parser rejects malformed selectors with invalidSelectorTerm; anything unparsable that still
 * reaches parseLabelSelector matches nothing.
 */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

/** Split on top-level commas (commas inside `in (...)` belong to the term). */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      terms.push(selector.slice(start, i).trim());
      start = i + 1;
    }
  }
  terms.push(selector.slice(start).trim());
  return terms.filter((t) => t.length > 0);
}

function requirement(term: string): Requirement | undefined {
  let m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const key = m[1]!;
    const values = new Set(m[3]!.split(",").map((v) => v.trim()));
    return m[2] === "in"
      ? (l) => key in l && values.has(l[key]!)
      : (l) => !(key in l) || !values.has(l[key]!);
  }
  m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)$/.exec(term);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    return op === "!=" ? (l) => l[key] !== value : (l) => key in l && l[key] === value;
  }
  m = /^(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)$/.exec(term);
  if (m) {
    const key = m[2]!;
    return m[1] ? (l) => !(key in l) : (l) => key in l;
  }
  return undefined;
}

export function parseLabelSelector(selector: string): LabelMatcher {
  const terms = splitTerms(selector);
  if (terms.length === 0) return () => true;
  const reqs = terms.map(requirement);
  if (reqs.some((r) => r === undefined)) return () => false;
  return (labels) => reqs.every((r) => r!(labels ?? {}));
}

// Strict form of one requirement, as the apiserver validates it: key (=|==|!=) value,
// key in (a,b), key notin (a), key, !key.
const SELECTOR_KEY = "([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)";
const SELECTOR_VALUE = "([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?";
const SELECTOR_TERM = new RegExp(
  `^(!?${SELECTOR_KEY}|${SELECTOR_KEY}\\s*(=|==|!=)\\s*${SELECTOR_VALUE}|${SELECTOR_KEY}\\s+(in|notin)\\s+\\(\\s*${SELECTOR_VALUE}(\\s*,\\s*${SELECTOR_VALUE})*\\s*\\))$`,
);

/** The first malformed requirement of a selector, or undefined when it is valid. */
export function invalidSelectorTerm(selector: string): string | undefined {
  return splitTerms(selector).find((t) => !SELECTOR_TERM.test(t));
}
