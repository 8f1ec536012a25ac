/**
 * /proc/net/netstat and /proc/net/snmp: pairs of lines "Prefix: names..." and "Prefix: values...".
 * Returns counters keyed by prefix (TcpExt, IpExt, Tcp, Udp, ...) then name.
 */
export function parseNetstat(text: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const lines = text.split("\n").filter((l) => l.includes(":"));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [prefix, names] = splitPrefix(lines[i] ?? "");
    const [prefix2, values] = splitPrefix(lines[i + 1] ?? "");
    if (prefix !== prefix2) throw new Error(`netstat: header ${prefix} followed by ${prefix2}`);
    const group: Record<string, number> = out[prefix] ?? {};
    names.forEach((name, j) => {
      group[name] = Number(values[j] ?? Number.NaN);
    });
    out[prefix] = group;
  }
  return out;
}

function splitPrefix(line: string): [string, string[]] {
  const colon = line.indexOf(":");
  return [
    line.slice(0, colon).trim(),
    line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((s) => s !== ""),
  ];
}
