/**
 * S3's traffic on the e2e node: hping3 run from the host inside a test pod's network namespace
 * (nsenter --net=/proc/<pid>/ns/net), SYNs with a spoofed on-link source that never answers, so
 * the listener's half-open sockets stay. Bounded twice: hping3's packet count and `timeout`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Host PIDs whose argv holds `marker` as one whole argument (a pod's process, seen from the host). */
export function pidsWithArgument(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

export interface SynFlood {
  /** Resolves when hping3 ends (count reached, deadline, or stop()). */
  done: Promise<{ exitCode: number | null; output: string }>;
  stop(): void;
}

export function startSynFlood(opts: {
  /** A process in the network namespace the flood leaves from. */
  netnsPid: number;
  target: string;
  port: number;
  spoofedSource: string;
  seconds: number;
  intervalMicros: number;
}): SynFlood {
  const count = Math.ceil((opts.seconds * 1_000_000) / opts.intervalMicros);
  const child: ChildProcess = spawn(
    "timeout",
    [
      String(opts.seconds + 2),
      "nsenter",
      `--net=/proc/${opts.netnsPid}/ns/net`,
      "hping3",
      "-q",
      "-S",
      "-p",
      String(opts.port),
      "-a",
      opts.spoofedSource,
      "-i",
      `u${opts.intervalMicros}`,
      "-c",
      String(count),
      opts.target,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const take = (b: Buffer): void => {
    output += b.toString();
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  const done = new Promise<{ exitCode: number | null; output: string }>((resolve) =>
    child.on("close", (exitCode) => resolve({ exitCode, output })),
  );
  return {
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    },
  };
}
