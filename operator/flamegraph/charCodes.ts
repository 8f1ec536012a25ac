/** Whether UTF-16 code c is one of JavaScript's \s (what String.prototype.trim removes). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether UTF-16 code c is one of 0-9. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
