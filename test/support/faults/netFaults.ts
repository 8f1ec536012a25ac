/**
 * Network faults made for real inside a NetnsPair's pod namespace: iptables DROP rules, the MTU,
 * a slow tbf qdisc, a broken TCP handshake, and filler rules for the benchmark.
 */
import { mustRun } from "../runCommand.js";
import type { NetnsPair } from "./netnsPair.js";

const inPod = (pair: NetnsPair, command: string, args: readonly string[]) =>
  mustRun("ip", ["netns", "exec", pair.pod, command, ...args]);

/** S2 #5: random DROP in INPUT and OUTPUT (iptables -nvL shows probability 0.29999999981). */
export async function addRandomDropRules(pair: NetnsPair, probability = 0.3): Promise<void> {
  for (const chain of ["INPUT", "OUTPUT"]) {
    await inPod(pair, "iptables", [
      "-A",
      chain,
      "-m",
      "statistic",
      "--mode",
      "random",
      "--probability",
      String(probability),
      "-j",
      "DROP",
    ]);
  }
}

/** S2 #6: the pod side's MTU far below its peer's (1500). */
export async function setPodMtu(pair: NetnsPair, mtu = 100): Promise<void> {
  await mustRun("ip", ["-n", pair.pod, "link", "set", "dev", pair.podIf, "mtu", String(mtu)]);
}

/** S2 #2 stand-in: netem is not in this kernel, so a slow tbf whose queue overflows makes real qdisc drops. */
export async function addSlowTbf(pair: NetnsPair, rate = "100kbit"): Promise<void> {
  await mustRun("ip", [
    "netns",
    "exec",
    pair.pod,
    "tc",
    "qdisc",
    "add",
    "dev",
    pair.podIf,
    "root",
    "tbf",
    "rate",
    rate,
    "burst",
    "1600",
    "limit",
    "3000",
  ]);
}

/**
 * S2 #3: handshakes fail. Everything after the client's SYN to `port` (the handshake's final ACK
 * and any data) is dropped on the pod's INPUT, so the pod, a server stuck in SYN_RECV,
 * retransmits its SYN-ACK: that is what TCPSynRetrans counts inside the pod's own namespace.
 * (Dropping the SYN itself would count only in the client's namespace, and a SYN-ACK dropped by
 * the pod's own OUTPUT chain is not counted at all: the kernel counts a retransmit only when the
 * send succeeded.)
 */
export async function dropHandshakeAcksTo(pair: NetnsPair, port: number): Promise<void> {
  await inPod(pair, "iptables", [
    "-A",
    "INPUT",
    "-p",
    "tcp",
    "--dport",
    String(port),
    "--tcp-flags",
    "SYN,ACK",
    "ACK",
    "-j",
    "DROP",
  ]);
}

/** Many rules that match nothing, for the benchmark; loaded in one iptables-restore call. */
export async function addManyRules(pair: NetnsPair, count: number): Promise<void> {
  const lines = ["*filter", ":BENCH - [0:0]", "-A INPUT -j BENCH"];
  for (let i = 0; i < count - 1; i++) {
    const port = 20000 + i;
    lines.push(`-A BENCH -p tcp --dport ${port} -j ${i % 2 ? "DROP" : "ACCEPT"}`);
  }
  lines.push("COMMIT", "");
  await mustRun("ip", ["netns", "exec", pair.pod, "iptables-restore", "--noflush"], {
    input: lines.join("\n"),
    timeoutMs: 60_000,
  });
}
