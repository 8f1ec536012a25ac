/**
 * Bounded traffic between a NetnsPair's two namespaces only: hping3 with a count, an echo server
 * in the pod that exits by itself, a client with a timeout.
 */
import type { ChildProcess } from "node:child_process";
import { runCommand } from "../runCommand.js";
import { waitFor } from "../waitFor.js";
import { type NetnsPair, spawnInNetns } from "./netnsPair.js";

/** Bounded ICMP echo from the peer to the pod (hping3, since ping may be absent). */
export function pingPod(pair: NetnsPair, count = 20) {
  return runCommand(
    "ip",
    ["netns", "exec", pair.peer, "hping3", "-1", "-c", String(count), "-i", "u20000", pair.podIp],
    { timeoutMs: 20_000 },
  );
}

/** Bounded UDP burst from the pod to the peer (overruns a slow tbf on the pod's eth0). */
export function udpBurstFromPod(pair: NetnsPair, count = 300, size = 1400) {
  return runCommand(
    "ip",
    [
      "netns",
      "exec",
      pair.pod,
      "hping3",
      "-2",
      "-c",
      String(count),
      "-i",
      "u500",
      "-d",
      String(size),
      "-p",
      "9999",
      pair.peerIp,
    ],
    { timeoutMs: 20_000 },
  );
}

/** SYN-only probe from the peer: passes when SYN-ACKs come back. */
export async function synProbe(pair: NetnsPair, port: number, count = 3) {
  const res = await runCommand(
    "ip",
    [
      "netns",
      "exec",
      pair.peer,
      "hping3",
      "-S",
      "-c",
      String(count),
      "-i",
      "u200000",
      "-p",
      String(port),
      pair.podIp,
    ],
    { timeoutMs: 15_000 },
  );
  const synAcks = (res.stdout.match(/flags=SA/g) ?? []).length;
  return { synAcks, output: res.stdout };
}

const SERVER = `
const port = Number(process.argv[1]);
const server = require("net").createServer((c) => c.pipe(c)).listen(port, () => console.log("listening"));
setTimeout(() => process.exit(0), Number(process.argv[2]) * 1000);
`;

/** A tiny TCP echo server inside the pod namespace that exits by itself after `seconds`. */
export async function startEchoServer(
  pair: NetnsPair,
  port: number,
  seconds = 60,
): Promise<ChildProcess> {
  const child = spawnInNetns(pair.pod, process.execPath, [
    "-e",
    SERVER,
    String(port),
    String(seconds),
  ]);
  let ready = false;
  child.stdout?.on("data", (b: Buffer) => {
    if (b.toString().includes("listening")) ready = true;
  });
  await waitFor(`the echo server on port ${port}`, 5_000, async () => ready, 50);
  return child;
}

const CLIENT = `
const [host, port, size, timeoutMs] = process.argv.slice(1);
const want = Number(size);
let got = 0;
const c = require("net").connect(Number(port), host, () => {
  console.log("connected");
  if (want > 0) c.write(Buffer.alloc(want, 97));
  else { console.log("ok"); process.exit(0); }
});
c.on("data", (d) => { got += d.length; if (got >= want) { console.log("ok"); process.exit(0); } });
c.on("error", (e) => { console.log("error " + e.code); process.exit(2); });
setTimeout(() => { console.log("timeout after " + got + " bytes"); process.exit(3); }, Number(timeoutMs));
`;

/**
 * From the peer: connect to the pod, send `size` bytes and wait for the echo. Returns how it
 * ended: "ok", "timeout after N bytes", "error ..." (with "connected" when the handshake passed).
 */
export async function requestFromPeer(
  pair: NetnsPair,
  port: number,
  size: number,
  timeoutMs = 3_000,
): Promise<{ connected: boolean; ok: boolean; output: string }> {
  const res = await runCommand(
    "ip",
    [
      "netns",
      "exec",
      pair.peer,
      process.execPath,
      "-e",
      CLIENT,
      pair.podIp,
      String(port),
      String(size),
      String(timeoutMs),
    ],
    { timeoutMs: timeoutMs + 5_000 },
  );
  return {
    connected: res.stdout.includes("connected"),
    ok: /^ok$/m.test(res.stdout),
    output: res.stdout.trim(),
  };
}
