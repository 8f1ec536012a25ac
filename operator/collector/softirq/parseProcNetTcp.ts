import type { PortSynBacklog } from "../../report/evidence/softirqEvidence.js";

/** TCP states as the kernel numbers them in /proc/net/tcp (include/net/tcp_states.h). */
const TCP_STATE = {
  ESTABLISHED: "01",
  SYN_SENT: "02",
  SYN_RECV: "03",
  LISTEN: "0A",
} as const;

export interface TcpSocketEntry {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Two hex digits, see TCP_STATE. */
  state: string;
}

/** Parses /proc/net/tcp or /proc/net/tcp6 (addresses kept as the kernel's hex). */
export function parseProcNetTcp(text: string): TcpSocketEntry[] {
  const out: TcpSocketEntry[] = [];
  for (const line of text.split("\n")) {
    const m =
      /^\s*\d+:\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s/.exec(
        line,
      );
    if (!m) continue;
    out.push({
      localAddress: m[1] ?? "",
      localPort: Number.parseInt(m[2] ?? "0", 16),
      remoteAddress: m[3] ?? "",
      remotePort: Number.parseInt(m[4] ?? "0", 16),
      state: (m[5] ?? "").toUpperCase(),
    });
  }
  return out;
}

/** Half-open sockets per local port, listening ports included even at zero; most first. */
export function halfOpenByPort(entries: readonly TcpSocketEntry[]): PortSynBacklog[] {
  const byPort = new Map<number, PortSynBacklog>();
  const get = (port: number) => {
    let p = byPort.get(port);
    if (!p) {
      p = { port, synRecv: 0, listening: false };
      byPort.set(port, p);
    }
    return p;
  };
  for (const e of entries) {
    if (e.state === TCP_STATE.LISTEN) get(e.localPort).listening = true;
    else if (e.state === TCP_STATE.SYN_RECV) get(e.localPort).synRecv++;
  }
  return [...byPort.values()].sort((a, b) => b.synRecv - a.synRecv || a.port - b.port);
}
