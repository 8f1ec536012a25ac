import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { parseProcNetCounters } from "../../../operator/collector/network/parseProcNetCounters.js";
import { startSynFloodLab } from "../../support/faults/synFloodLab.js";
import { waitFor } from "../../support/waitFor.js";
import type { ScenarioContext } from "./scenarioContext.js";

const FLOOD_SECONDS = 30;
const INTERVAL_MICROS = 100;

const softirqArgs = (pid: number, seconds: number) => [
  "--pid",
  String(pid),
  "--json",
  "--checks",
  "softirq",
  "--sample-seconds",
  String(seconds),
];

/** SYN cookies the listener's namespace has sent (TcpExt.SyncookiesSent). */
async function syncookiesSent(pid: number): Promise<number> {
  const table = parseProcNetCounters(await readFile(`/proc/${pid}/net/netstat`, "utf8"));
  return table.TcpExt?.SyncookiesSent ?? 0;
}

/**
 * hping3 SYNs from the lab's client namespace with a spoofed on-link source (no RST comes back,
 * so SYN_RECV sockets stay), bounded by count and by `timeout`; stopped with SIGTERM, which
 * `timeout` passes on to hping3.
 */
function startFlood(clientNs: string, server: string, port: number): ChildProcess {
  const spoofed = server.replace(/\d+$/, "77");
  return spawn(
    "timeout",
    [
      "--kill-after=5",
      String(FLOOD_SECONDS),
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
      spoofed,
      "-i",
      `u${INTERVAL_MICROS}`,
      "-c",
      String((FLOOD_SECONDS * 1_000_000) / INTERVAL_MICROS),
      server,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
}

/**
 * S3: an hping3 SYN flood into a listener in another netns (S3's lab: hack/scenarios/s3). The
 * collector samples once the flood is under way, which under emulation takes a while to start.
 */
export async function s3SynFlood(ctx: ScenarioContext): Promise<void> {
  const lab = await startSynFloodLab();
  let flood: ChildProcess | undefined;
  try {
    const pid = lab.listenerPid;
    ctx.fact("listenerPid", pid);
    await ctx.collect("baseline", softirqArgs(pid, 2));
    ctx.log(`s3SynFlood: hping3 -S flood for at most ${FLOOD_SECONDS} s`);
    const before = await syncookiesSent(pid);
    flood = startFlood(lab.clientNs, lab.serverAddress, lab.port);
    let output = "";
    flood.stdout?.on("data", (b: Buffer) => {
      output += b.toString();
    });
    const ended = new Promise<number | null>((resolve) => flood?.on("close", resolve));
    await waitFor(
      "SYN cookies from the flood",
      20_000,
      async () => (await syncookiesSent(pid)) > before + 50,
    );
    await ctx.collect("flood", softirqArgs(pid, 3));
    flood.kill("SIGTERM");
    ctx.fact("hpingExit", (await ended) ?? "signal");
    ctx.fact("hpingOutput", output.slice(-600));
    ctx.fact("syncookiesSent", (await syncookiesSent(pid)) - before);
  } finally {
    // SIGTERM: `timeout` passes it on; a SIGKILLed `timeout` would leave hping3 running.
    if (flood?.exitCode === null) flood.kill("SIGTERM");
    await lab.cleanup();
  }
}
