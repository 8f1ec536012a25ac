/** hping3's closing statistics line ("10 packets transmitted, 7 packets received, 30% packet loss"). Pure. */
export function parseHpingSummary(output: string): { sent: number; received: number } | undefined {
  const m = /(\d+) packets transmitted, (\d+) packets received/.exec(output);
  return m ? { sent: Number(m[1]), received: Number(m[2]) } : undefined;
}
