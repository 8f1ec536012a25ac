/** "30s", "2m", "1m30s", "1h" or a bare number of seconds -> whole seconds; undefined if invalid. */
export function parseDurationSeconds(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(s) || s === "") return undefined;
  const unit = { h: 3600, m: 60, s: 1 } as const;
  let total = 0;
  for (const m of s.matchAll(/(\d+)([hms])/g))
    total += Number(m[1]) * unit[m[2] as keyof typeof unit];
  return total;
}

/** 4.2s, 1m05s, 2h03m: short elapsed time for a person. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return `${(Math.max(ms, 0) / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}
