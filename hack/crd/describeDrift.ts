/**
 * A short line diff ("-" committed, "+" generated) with line numbers, for `crd:check`.
 * Returns undefined when the texts are equal. LCS is fine at CRD sizes (hundreds of lines).
 */
export function describeDrift(
  committed: string,
  generated: string,
  maxLines = 60,
): string | undefined {
  if (committed === generated) return undefined;
  const a = committed.split("\n");
  const b = generated.split("\n");
  const lcs: Uint32Array[] = Array.from(
    { length: a.length + 1 },
    () => new Uint32Array(b.length + 1),
  );
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      lines.push(`+${String(j + 1).padStart(5)} | ${b[j]}`);
      j++;
    } else {
      lines.push(`-${String(i + 1).padStart(5)} | ${a[i]}`);
      i++;
    }
  }
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`... ${lines.length - maxLines} more changed lines`);
  return shown.join("\n");
}
