import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { CollectorReport } from "../../operator/collector/report.js";
import { compileAlloc, hsperfdataPublished, waitUntil } from "../scenarios/s1/processes.js";
import { cgroupV1Available, ScenarioCgroup } from "../scenarios/s1/scenarioCgroup.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface CollectorS1Bench {
  name: string;
  runs: number;
  /** Wall time of the whole CLI process (node + tsx start-up included), ms. */
  wallMs: { min: number; median: number; max: number };
  /** Time the collector itself reported (target resolution, checks, analysis), ms. */
  collectorMs: { min: number; median: number; max: number };
  /** Per-check wall time, median ms. */
  checkMs: Record<string, number>;
  /** Peak RSS of the collector process (VmHWM sampled until exit), MiB. */
  peakRssMiB: number;
  skipped?: string;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s.at(-1)! };
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** One CLI run: wall time, the report, and the highest VmHWM seen while it ran. */
function runOnce(
  pid: number,
): Promise<{ wallMs: number; peakKiB: number; report: CollectorReport }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "operator/collector/main.ts",
        "--pid",
        String(pid),
        "--json",
        "--checks",
        "memory,jvm,cpu",
        "--sample-seconds",
        "0",
      ],
      { cwd: REPO, stdio: ["ignore", "pipe", "ignore"] },
    );
    let out = "";
    let peakKiB = 0;
    const sampler = setInterval(() => {
      peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid!) ?? 0);
    }, 10);
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      // The report is printed at the very end: sample the high-water mark once more.
      peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid!) ?? 0);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`collector exited ${code}`));
      const report = JSON.parse(out.trimEnd().split("\n").at(-1)!) as CollectorReport;
      resolve({ wallMs: performance.now() - started, peakKiB, report });
    });
  });
}

/**
 * Wall time and peak RSS of the collector's memory, jvm and cpu checks against a real target:
 * a JVM (-Xmx1g) in a 256 MiB cgroup after an OOM kill is in the kernel log. Needs root and
 * cgroup v1; returns a `skipped` result otherwise.
 */
export async function benchCollectorS1(runs = 5): Promise<CollectorS1Bench> {
  const empty = { min: 0, median: 0, max: 0 };
  const base = {
    name: "collector memory+jvm+cpu (S1)",
    runs: 0,
    wallMs: empty,
    collectorMs: empty,
    checkMs: {},
    peakRssMiB: 0,
  };
  if (!cgroupV1Available())
    return { ...base, skipped: "needs root and cgroup v1 memory/cpu hierarchies" };
  const classes = await compileAlloc();
  const cg = await ScenarioCgroup.create("bench", { memoryLimitBytes: 256 * 1024 * 1024 });
  try {
    const child = cg.spawn("java", ["-Xmx1g", "-cp", classes, "Alloc", "16", "120"]);
    await waitUntil("the JVM's hsperfdata", () => hsperfdataPublished(child.pid!), 30_000);
    const wall: number[] = [];
    const coll: number[] = [];
    const perCheck: Record<string, number[]> = {};
    let peak = 0;
    for (let i = 0; i < runs; i++) {
      const r = await runOnce(child.pid!);
      wall.push(r.wallMs);
      coll.push(r.report.collector.durationMs);
      peak = Math.max(peak, r.peakKiB);
      for (const [name, res] of Object.entries(r.report.checks)) {
        const list = perCheck[name] ?? [];
        list.push(res.durationMs);
        perCheck[name] = list;
      }
    }
    return {
      ...base,
      runs,
      wallMs: stats(wall.map((x) => Math.round(x))),
      collectorMs: stats(coll),
      checkMs: Object.fromEntries(Object.entries(perCheck).map(([k, v]) => [k, stats(v).median])),
      peakRssMiB: Math.round((peak / 1024) * 10) / 10,
    };
  } finally {
    await cg.destroy();
    await rm(classes, { recursive: true, force: true });
  }
}

// `npx tsx hack/bench/collectorS1.ts` prints the numbers on its own.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await benchCollectorS1(), null, 2)}\n`);
}
