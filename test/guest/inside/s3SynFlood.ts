import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { parseProcNetCounters } from "../../../operator/collector/network/parseProcNetCounters.js";
import { type SynFloodLab, startSynFloodLab } from "../../support/faults/synFloodLab.js";
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
 * The lab's hping3 flood, bounded by count and by `timeout`, in the background (the collector
 * samples while it runs); stopped with SIGTERM, which `timeout` passes on to hping3.
 */
function startFlood(lab: SynFloodLab): ChildProcess {
  return spawn(
    "timeout",
    ["--kill-after=5", String(FLOOD_SECONDS), ...lab.hpingArgv(FLOOD_SECONDS, INTERVAL_MICROS)],
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
    flood = startFlood(lab);
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
