/**
 * Removes object members from JSON text before it is parsed, pure: the members a cache never
 * keeps (a finished Diagnosis' status.report and status.findings, ~95% of its JSON) then never
 * become strings and objects on the V8 heap. Parsing them only to drop them made the heap grow
 * with the size of what the apiserver sends, and that memory is not given back to the system.
 *
 * A rule is a path of member names, `*` for any array element (`items.*.status.report`). A
 * counted rule keeps the member with the number of its value's elements instead of the value
 * (an array of 32 becomes 32): all a cache wants of it. Only the parts of the text that rules
 * can reach are walked; everything else, the omitted values included, is skipped string by
 * string (indexOf). Valid JSON in gives valid JSON out; invalid input throws, or is left to
 * JSON.parse to reject.
 */

export interface OmitRule {
  readonly path: readonly string[];
  /** Keep the member, its value replaced by how many elements (or members) it had. */
  readonly count?: boolean;
}

/** Each rule's path with `prefix` in front (e.g. `items`, `*` for a list's objects). */
export function underPath(prefix: readonly string[], rules: readonly OmitRule[]): OmitRule[] {
  return rules.map((r) => ({ ...r, path: [...prefix, ...r.path] }));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class Scanner {
  private i = 0;
  private copiedTo = 0;
  private readonly out: string[] = [];
  private readonly path: string[] = [];

  constructor(
    private readonly text: string,
    private readonly rules: readonly OmitRule[],
  ) {}

  run(): string {
    this.value();
    if (this.copiedTo === 0) return this.text;
    this.out.push(this.text.slice(this.copiedTo));
    return this.out.join("");
  }

  /** Rules the current path is on the way to (or at). */
  private reachable(): boolean {
    return this.rules.some((r) => this.prefixOf(r.path));
  }

  private prefixOf(path: readonly string[]): boolean {
    if (path.length < this.path.length) return false;
    for (let k = 0; k < this.path.length; k++)
      if (path[k] !== "*" && path[k] !== this.path[k]) return false;
    return true;
  }

  private ruleAt(): OmitRule | undefined {
    return this.rules.find((r) => r.path.length === this.path.length && this.prefixOf(r.path));
  }

  private space(): void {
    while (this.i < this.text.length && isSpace(this.text.charCodeAt(this.i))) this.i++;
  }

  private fail(what: string): never {
    throw new SyntaxError(`JSON: ${what} at offset ${this.i}`);
  }

  /** The value at i, walked where rules reach into it, else skipped. */
  private value(): void {
    this.space();
    const c = this.text.charCodeAt(this.i);
    if (c === OPEN_OBJECT && this.reachable()) this.object();
    else if (c === OPEN_ARRAY && this.reachable()) this.array();
    else this.skipValue();
  }

  private object(): void {
    this.i++; // {
    let afterPrevious = -1; // where the previous member's value ended (its comma follows)
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.i) === CLOSE_OBJECT) {
        this.i++;
        return;
      }
      const keyStart = this.i;
      if (this.text.charCodeAt(keyStart) !== QUOTE) this.fail("expected a member name");
      this.i = this.stringEnd(keyStart);
      const key = JSON.parse(this.text.slice(keyStart, this.i)) as string;
      this.space();
      if (this.text.charCodeAt(this.i) !== COLON) this.fail("expected ':'");
      this.i++;
      this.path.push(key);
      const rule = this.ruleAt();
      if (!rule) this.value();
      else {
        this.space();
        const valueStart = this.i;
        const elements = this.skipValue();
        if (rule.count) this.replace(valueStart, this.i, String(elements));
        else if (afterPrevious >= 0) this.replace(afterPrevious, this.i, "");
        else {
          // The first member: cut it and the comma after it, if another member follows.
          this.space();
          const comma = this.text.charCodeAt(this.i) === COMMA;
          if (comma) this.i++;
          this.replace(keyStart, this.i, "");
          this.path.pop();
          if (comma) continue;
          this.space();
          if (this.text.charCodeAt(this.i) !== CLOSE_OBJECT) this.fail("expected '}'");
          this.i++;
          return;
        }
      }
      this.path.pop();
      afterPrevious = this.i;
      this.space();
      const c = this.text.charCodeAt(this.i++);
      if (c === CLOSE_OBJECT) return;
      if (c !== COMMA) this.fail("expected ',' or '}'");
    }
  }

  private array(): void {
    this.i++; // [
    this.space();
    if (this.text.charCodeAt(this.i) === CLOSE_ARRAY) {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.path.push(String(n));
      this.value();
      this.path.pop();
      this.space();
      const c = this.text.charCodeAt(this.i++);
      if (c === CLOSE_ARRAY) return;
      if (c !== COMMA) this.fail("expected ',' or ']'");
    }
  }

  /** Past the value at i; how many elements (or members) it had, 0 for a scalar. */
  private skipValue(): number {
    this.space();
    const text = this.text;
    const c = text.charCodeAt(this.i);
    if (c === QUOTE) {
      this.i = this.stringEnd(this.i);
      return 0;
    }
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
      // A number, true, false or null: up to the next delimiter.
      const start = this.i;
      while (this.i < text.length) {
        const d = text.charCodeAt(this.i);
        if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
        this.i++;
      }
      if (this.i === start) this.fail("expected a value");
      return 0;
    }
    let depth = 0;
    let elements = 0;
    let empty = true;
    while (this.i < text.length) {
      const d = text.charCodeAt(this.i);
      if (d === QUOTE) {
        if (depth === 1) empty = false;
        this.i = this.stringEnd(this.i);
        continue;
      }
      this.i++;
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) {
        if (depth === 1) empty = false;
        depth++;
      } else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        if (--depth === 0) return empty ? 0 : elements + 1;
      } else if (d === COMMA) {
        if (depth === 1) elements++;
      } else if (depth === 1 && !isSpace(d)) empty = false;
    }
    return this.fail("unterminated value");
  }

  /** Just past the string that starts (with its quote) at `start`. */
  private stringEnd(start: number): number {
    const text = this.text;
    let from = start + 1;
    for (;;) {
      const q = text.indexOf('"', from);
      if (q < 0) this.fail("unterminated string");
      let backslashes = 0;
      while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return q + 1;
      from = q + 1;
    }
  }

  private replace(from: number, to: number, by: string): void {
    this.out.push(this.text.slice(this.copiedTo, from), by);
    this.copiedTo = to;
  }
}

/** `text` without the members `rules` name (see the module comment); the same text if none. */
export function omitJsonMembers(text: string, rules: readonly OmitRule[]): string {
  if (rules.length === 0) return text;
  return new Scanner(text, rules).run();
}
