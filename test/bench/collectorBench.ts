/**
 * Collector cost per check, next to the manual commands a person would type (baseline/<check>.sh):
 * the real collector CLI (bundled to one CommonJS file, as the image runs it) as a child process per check, under GNU time for the peak RSS (wait4's ru_maxrss: the
 * largest process of the tree), and its wall time from spawn to exit. Targets: a JVM in a memory+cpu cgroup (memory,
 * jvm, cpu), a sleep in a network namespace with 1,000 iptables rules (network), the node
 * (softirq). Both sides sample for the same window.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleCollector } from "../../hack/devtools.js";
import type { CollectorReport } from "../../operator/report/collectorReport.js";
import { cgroupV1Available, ScenarioCgroup } from "../support/faults/cgroupV1.js";
import { compileAlloc, startAllocJvm } from "../support/faults/jvm.js";
import { addManyRules, addRandomDropRules } from "../support/faults/netFaults.js";
import {
  createNetnsPair,
  destroyNetnsPair,
  type NetnsPair,
  startPodProcess,
  stopProcess,
} from "../support/faults/netnsPair.js";
import { pingPod } from "../support/faults/traffic.js";
import { repoRoot } from "../support/repoRoot.js";
import { runCommand } from "../support/runCommand.js";
import type { CollectorResult } from "./benchResults.js";
import { median, ratio } from "./stats.js";

const BASELINE = fileURLToPath(new URL("./baseline/", import.meta.url));

const JVM_TARGET = "JVM in a 256 MiB, 0.5 CPU cgroup";

const COLLECTOR_CHECKS = ["memory", "jvm", "cpu", "network", "softirq"] as const;

interface TimedRun {
  wallMs: number;
  peakRssBytes: number | null;
  stdout: string;
  code: number | null;
  stderr: string;
}

/** GNU time's `-f %M -o FILE`: the peak RSS in KiB on the file's last line. */
export function parseGnuTimeMaxRss(text: string): number | null {
  const last = text.trim().split("\n").at(-1)?.trim() ?? "";
  return /^\d+$/.test(last) ? Number(last) * 1024 : null;
}

/** Runs argv under /usr/bin/time; wall time measured here, from spawn to exit. */
async function timed(argv: readonly string[], timeoutMs: number): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), "diagnose-bench-time-"));
  const out = join(dir, "time");
  try {
    const run = await runCommand("/usr/bin/time", ["-f", "%M", "-o", out, ...argv], {
      cwd: repoRoot,
      timeoutMs,
    });
    let peak: number | null = null;
    try {
      peak = parseGnuTimeMaxRss(readFileSync(out, "utf8"));
    } catch {}
    return {
      wallMs: run.wallMs,
      peakRssBytes: peak,
      stdout: run.stdout,
      code: run.exitCode,
      stderr: run.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The collector CLI bundled as the image and the package ship it: no TypeScript loader. */
async function bundledCollector(dir: string): Promise<string> {
  const outfile = join(dir, "diagnose-collector.cjs");
  await bundleCollector(outfile);
  return outfile;
}

function cgroupOf(pid: number, controller: string): string | undefined {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n")) {
    const [, controllers, path] = line.split(":");
    if (controllers?.split(",").includes(controller)) return path;
  }
  return undefined;
}

interface CheckTarget {
  name: string;
  collectorArgs: string[];
  baselineArgs: string[];
}

export async function benchCollectorChecks(opts: {
  runs: number;
  sampleSeconds: number;
  checks?: readonly string[];
  signal?: AbortSignal;
  onProgress: (line: string) => void;
}): Promise<{ results: CollectorResult[]; notes: string[] }> {
  const checks = opts.checks ?? COLLECTOR_CHECKS;
  const notes: string[] = [];
  const results: CollectorResult[] = [];
  if (!cgroupV1Available())
    return {
      results: checks.map((check) => failed(check, "", opts, "needs root and cgroup v1")),
      notes,
    };
  const work = mkdtempSync(join(tmpdir(), "diagnose-bench-collector-"));
  let cg: ScenarioCgroup | undefined;
  let pair: NetnsPair | undefined;
  let sleeper: ChildProcess | undefined;
  let classes: string | undefined;
  const cleanUp = async (): Promise<void> => {
    stopProcess(sleeper);
    if (pair) await destroyNetnsPair(pair);
    await cg?.destroy();
    if (classes) rmSync(classes, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  };
  pendingCleanup = cleanUp;
  try {
    const collector = await bundledCollector(work);
    opts.onProgress("collector bundled; starting a JVM in a 256 MiB, 0.5 CPU cgroup");
    classes = await compileAlloc();
    // A CPU quota, as most pods have: without one the cpu check has nothing to sample.
    cg = await ScenarioCgroup.create("bench", {
      memoryLimitBytes: 256 * 1024 * 1024,
      cpuQuotaUsec: 50_000,
    });
    const jvm = await startAllocJvm(
      cg,
      classes,
      { xmx: "1g", allocMiB: 16, holdSeconds: 300 },
      60_000,
    );
    const jvmPid = jvm.pid!;
    const acct = `/sys/fs/cgroup/cpuacct${cgroupOf(jvmPid, "cpuacct") ?? "/"}`;
    const targets: Record<string, () => Promise<CheckTarget>> = {
      memory: async () => ({
        name: JVM_TARGET,
        collectorArgs: ["--pid", String(jvmPid)],
        baselineArgs: [cg!.memoryDir],
      }),
      jvm: async () => ({
        name: JVM_TARGET,
        collectorArgs: ["--pid", String(jvmPid)],
        baselineArgs: [String(jvmPid), cg!.memoryDir, cg!.cpuDir],
      }),
      cpu: async () => ({
        name: JVM_TARGET,
        collectorArgs: ["--pid", String(jvmPid)],
        baselineArgs: [cg!.cpuDir, acct, String(opts.sampleSeconds)],
      }),
      network: async () => {
        pair = await createNetnsPair();
        await addManyRules(pair, 998);
        await addRandomDropRules(pair, 0.3);
        await pingPod(pair, 10);
        sleeper = await startPodProcess(pair, 300);
        return {
          name: "netns with 1,000 iptables rules",
          collectorArgs: ["--pid", String(sleeper.pid)],
          baselineArgs: [String(sleeper.pid), String(opts.sampleSeconds)],
        };
      },
      softirq: async () => ({
        name: "this node",
        collectorArgs: ["--node"],
        baselineArgs: [String(opts.sampleSeconds)],
      }),
    };
    for (const check of checks) {
      opts.signal?.throwIfAborted();
      const make = targets[check];
      if (!make) {
        results.push(failed(check, "", opts, "unknown check"));
        continue;
      }
      let target: CheckTarget | undefined;
      try {
        target = await make();
        const walls: number[] = [];
        const checkMs: number[] = [];
        const startups: number[] = [];
        const nodeStarts: number[] = [];
        const baseWalls: number[] = [];
        let peak = 0;
        let basePeak = 0;
        for (let i = 0; i < opts.runs; i++) {
          opts.signal?.throwIfAborted();
          const c = await timed(
            [
              process.execPath,
              collector,
              ...target.collectorArgs,
              "--checks",
              check,
              "--json",
              "--sample-seconds",
              String(opts.sampleSeconds),
            ],
            120_000,
          );
          if (c.code !== 0)
            throw new Error(`collector exited ${c.code}: ${c.stderr.trim().split("\n").at(-1)}`);
          const report = JSON.parse(c.stdout.trimEnd().split("\n").at(-1)!) as CollectorReport;
          const result = report.checks[check as keyof CollectorReport["checks"]];
          if (!result) throw new Error(`no ${check} result in the report`);
          if (result.status !== "ok")
            throw new Error(`${check} ${result.status}: ${result.reason}`);
          // Node's own start on the same machine at the same moment: the floor of start-up.
          const bare = await timed([process.execPath, "-e", "0"], 30_000);
          if (bare.code === 0) nodeStarts.push(bare.wallMs);
          walls.push(c.wallMs);
          checkMs.push(result.durationMs);
          startups.push(c.wallMs - result.durationMs);
          peak = Math.max(peak, c.peakRssBytes ?? 0);
          const b = await timed(
            ["bash", join(BASELINE, `${check}.sh`), ...target.baselineArgs],
            120_000,
          );
          if (b.code !== 0)
            throw new Error(
              `baseline ${check}.sh exited ${b.code}: ${b.stderr.trim().split("\n").at(-1)}`,
            );
          baseWalls.push(b.wallMs);
          basePeak = Math.max(basePeak, b.peakRssBytes ?? 0);
        }
        const wallMs = Math.round(median(walls)!);
        const baselineWallMs = Math.round(median(baseWalls)!);
        results.push({
          check,
          target: target.name,
          runs: opts.runs,
          wallMs,
          checkMs: Math.round(median(checkMs)!),
          startupMs: Math.round(median(startups)!),
          nodeStartupMs: nodeStarts.length ? Math.round(median(nodeStarts)!) : null,
          peakRssBytes: peak || null,
          baselineWallMs,
          baselinePeakRssBytes: basePeak || null,
          ratio: ratio(wallMs, baselineWallMs),
          sampleSeconds: opts.sampleSeconds,
        });
        opts.onProgress(
          `${check}: collector ${wallMs} ms, baseline ${baselineWallMs} ms (${opts.runs} run${opts.runs > 1 ? "s" : ""})`,
        );
      } catch (err) {
        results.push(
          failed(check, target?.name ?? "", opts, String((err as Error).message ?? err)),
        );
        opts.onProgress(`${check}: FAILED ${(err as Error).message}`);
      }
    }
  } finally {
    await cleanUp();
    pendingCleanup = undefined;
  }
  return { results, notes };
}

/** What a running benchCollectorChecks has made; run by the bench's signal handler too. */
let pendingCleanup: (() => Promise<void>) | undefined;

export async function cleanUpCollectorTargets(): Promise<void> {
  await pendingCleanup?.();
}

function failed(
  check: string,
  target: string,
  opts: { runs: number; sampleSeconds: number },
  error: string,
): CollectorResult {
  return {
    check,
    target,
    runs: opts.runs,
    wallMs: null,
    checkMs: null,
    startupMs: null,
    nodeStartupMs: null,
    peakRssBytes: null,
    baselineWallMs: null,
    baselinePeakRssBytes: null,
    ratio: null,
    sampleSeconds: opts.sampleSeconds,
    error,
  };
}
