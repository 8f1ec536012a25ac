import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * S3: a SYN flood between two network namespaces joined by a veth pair. The listener (a Node
 * TCP server with a small backlog, tcp_syncookies on) lives in `server`; hping3 floods it from
 * `client` with a spoofed on-link source that never answers, so half-open sockets stay.
 * Every name starts with "dgn-s3-"; traffic never leaves the two namespaces.
 */
export interface SynFloodLab {
  clientNs: string;
  serverNs: string;
  serverAddress: string;
  port: number;
  listenerPid: number;
  /** Floods for at most `seconds` (hping3 count and `timeout` both bound it). */
  flood(
    seconds: number,
    intervalMicros?: number,
  ): Promise<{ exitCode: number | null; output: string }>;
  cleanup(): Promise<void>;
}

export async function startSynFloodLab(port = 8080): Promise<SynFloodLab> {
  const id = randomBytes(2).toString("hex");
  const clientNs = `dgn-s3-${id}-c`;
  const serverNs = `dgn-s3-${id}-s`;
  const vethC = `dgn-s3-${id}c`;
  const vethS = `dgn-s3-${id}s`;
  const subnet = `10.203.${Number.parseInt(id.slice(0, 2), 16)}`;
  const serverAddress = `${subnet}.2`;
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const ns of [clientNs, serverNs]) await run("ip", ["netns", "del", ns]).catch(() => {});
  };
  try {
    await run("ip", ["netns", "add", clientNs]);
    await run("ip", ["netns", "add", serverNs]);
    await run("ip", [
      "link",
      "add",
      vethC,
      "netns",
      clientNs,
      "type",
      "veth",
      "peer",
      "name",
      vethS,
      "netns",
      serverNs,
    ]);
    await run("ip", ["-n", clientNs, "addr", "add", `${subnet}.1/24`, "dev", vethC]);
    await run("ip", ["-n", serverNs, "addr", "add", `${serverAddress}/24`, "dev", vethS]);
    for (const [ns, dev] of [
      [clientNs, vethC],
      [serverNs, vethS],
    ] as const) {
      await run("ip", ["-n", ns, "link", "set", dev, "up"]);
      await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    await run("ip", ["netns", "exec", serverNs, "sysctl", "-qw", "net.ipv4.tcp_syncookies=1"]);
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
    return {
      clientNs,
      serverNs,
      serverAddress,
      port,
      listenerPid,
      flood(seconds, intervalMicros = 50) {
        const count = Math.ceil((seconds * 1_000_000) / intervalMicros);
        const args = [
          String(seconds + 1),
          "ip",
          "netns",
          "exec",
          clientNs,
          "hping3",
          "-q",
          "-S",
          "-p",
          String(port),
        ];
        // A spoofed neighbour that never answers: SYN-ACKs get no RST, so SYN_RECV sockets stay.
        args.push(
          "-a",
          `${subnet}.77`,
          "-i",
          `u${intervalMicros}`,
          "-c",
          String(count),
          serverAddress,
        );
        const hping = spawn("timeout", args, { stdio: ["ignore", "pipe", "pipe"] });
        children.push(hping);
        let output = "";
        hping.stdout?.on("data", (b: Buffer) => {
          output += b.toString();
        });
        hping.stderr?.on("data", (b: Buffer) => {
          output += b.toString();
        });
        return new Promise((resolve) =>
          hping.on("close", (exitCode) => resolve({ exitCode, output })),
        );
      },
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
