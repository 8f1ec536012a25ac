import { type ChildProcess, spawn } from "node:child_process";
import { mustRun, runCommand } from "../runCommand.js";
import { createNetnsPair, destroyNetnsPair } from "./netnsPair.js";

/**
 * S3: a SYN flood between two network namespaces joined by a veth pair. The listener (a Node
 * TCP server with a small backlog, tcp_syncookies on) lives in `server`; hping3 floods it from
 * `client` with a spoofed on-link source that never answers, so half-open sockets stay.
 * The pair is S2's (createNetnsPair: names "dgn-s2-*"); traffic never leaves the two namespaces.
 */
export interface SynFloodLab {
  clientNs: string;
  serverNs: string;
  serverAddress: string;
  port: number;
  listenerPid: number;
  /**
   * `ip netns exec <client> hping3 ...`: SYNs to the listener for `seconds` (by count) from a
   * spoofed neighbour that never answers, so SYN-ACKs get no RST and SYN_RECV sockets stay.
   */
  hpingArgv(seconds: number, intervalMicros: number): string[];
  /** Floods for at most `seconds` (hping3 count and `timeout` both bound it). */
  flood(
    seconds: number,
    intervalMicros?: number,
  ): Promise<{ exitCode: number | null; output: string }>;
  cleanup(): Promise<void>;
}

export async function startSynFloodLab(port = 8080): Promise<SynFloodLab> {
  // "pod" holds the listener, "peer" the flood's source.
  const pair = await createNetnsPair();
  const clientNs = pair.peer;
  const serverNs = pair.pod;
  const serverAddress = pair.podIp;
  // On the pair's subnet but no host: SYN-ACKs to it are never answered.
  const spoofedSource = serverAddress.replace(/\d+$/, "77");
  const children: ChildProcess[] = [];
  const floods = new AbortController();
  const cleanup = async () => {
    floods.abort();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await destroyNetnsPair(pair);
  };
  try {
    await mustRun("ip", ["netns", "exec", serverNs, "sysctl", "-qw", "net.ipv4.tcp_syncookies=1"]);
    // Exits by itself after two minutes should cleanup never run.
    const listenerCode = `const s=require("net").createServer(c=>c.destroy());s.listen({host:"0.0.0.0",port:${port},backlog:4},()=>console.log("listening"));setTimeout(()=>process.exit(0),120000);`;
    const listener = spawn(
      "ip",
      ["netns", "exec", serverNs, process.execPath, "-e", listenerCode],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(listener);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("listener did not start")), 10_000);
      listener.stdout?.once("data", () => {
        clearTimeout(timer);
        resolve();
      });
      listener.once("exit", (code) => reject(new Error(`listener exited ${code}`)));
    });
    if (!listener.pid) throw new Error("listener has no pid");
    const listenerPid = listener.pid;
    const hpingArgv = (seconds: number, intervalMicros: number) => [
      "ip",
      "netns",
      "exec",
      clientNs,
      "hping3",
      "-q",
      "-S",
      "-p",
      String(port),
      "-a",
      spoofedSource,
      "-i",
      `u${intervalMicros}`,
      "-c",
      String(Math.ceil((seconds * 1_000_000) / intervalMicros)),
      serverAddress,
    ];
    return {
      clientNs,
      serverNs,
      serverAddress,
      port,
      listenerPid,
      hpingArgv,
      async flood(seconds, intervalMicros = 50) {
        const args = [String(seconds + 1), ...hpingArgv(seconds, intervalMicros)];
        const r = await runCommand("timeout", args, {
          timeoutMs: (seconds + 5) * 1000,
          abort: floods.signal,
        });
        return { exitCode: r.exitCode, output: r.output };
      },
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
