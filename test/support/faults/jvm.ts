/**
 * JVMs for the memory, jvm and cpu faults: Alloc.java (holds N MiB of heap for a while) compiled
 * once, started inside a scenario cgroup, and waited for until it publishes its perf counters.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { mustRun } from "../runCommand.js";
import { waitFor } from "../waitFor.js";
import type { ScenarioCgroup } from "./cgroupV1.js";

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Resolves when the child exits (or at the deadline, after SIGKILLing it). */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<ExitResult> {
  return new Promise((resolve) => {
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString();
    });
    child.stdout?.resume();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    };
    if (child.exitCode !== null || child.signalCode !== null)
      done(child.exitCode, child.signalCode);
    else child.once("exit", done);
  });
}

/** A running JVM has published its perf counters: what the jvm check reads. */
export function hsperfdataPublished(pid: number, user = "root"): boolean {
  return existsSync(`/proc/${pid}/root/tmp/hsperfdata_${user}/${pid}`);
}

/**
 * Starts Alloc (compiled by compileAlloc into `classes`) in the cgroup, holding `allocMiB` of heap
 * for `holdSeconds`, and waits until the JVM has published its perf counters.
 */
export async function startAllocJvm(
  cg: ScenarioCgroup,
  classes: string,
  opts: { xmx: string; allocMiB: number; holdSeconds: number },
  timeoutMs = 30_000,
): Promise<ChildProcess> {
  const child = cg.spawn("java", [
    `-Xmx${opts.xmx}`,
    "-cp",
    classes,
    "Alloc",
    String(opts.allocMiB),
    String(opts.holdSeconds),
  ]);
  await waitFor(
    "the JVM's hsperfdata",
    timeoutMs,
    async () => child.pid !== undefined && hsperfdataPublished(child.pid),
  );
  return child;
}

const ALLOC_SOURCE = fileURLToPath(new URL("./Alloc.java", import.meta.url));
/** Direct (off-heap) buffers instead of heap: the footprint scenario's workload. */
const DIRECT_ALLOC_SOURCE = fileURLToPath(new URL("./DirectAlloc.java", import.meta.url));

/**
 * Compiles Alloc.java and DirectAlloc.java once (so the scenario JVMs don't spend memory
 * compiling); returns the classpath.
 */
export async function compileAlloc(): Promise<string> {
  const out = mkdtempSync(`${tmpdir()}/diagnose-s1-classes-`);
  await mustRun("javac", ["-d", out, ALLOC_SOURCE, DIRECT_ALLOC_SOURCE], { timeoutMs: 120_000 });
  return out;
}

/** A bounded anonymous-memory hog that is not a JVM: perl building a string of `mib` MiB. */
export function perlAllocatorArgs(mib: number, holdSeconds: number): string[] {
  return [
    "-e",
    `my $x = "a" x (${Math.floor(mib)} * 1024 * 1024); sleep ${Math.floor(holdSeconds)};`,
  ];
}
