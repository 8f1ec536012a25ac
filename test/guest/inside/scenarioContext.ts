import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CollectorRun, ScenarioResult } from "../guestResults.js";
import { runGuestCollector } from "./guestCollector.js";
import type { KubeletCgroupTree } from "./kubeletCgroupV2.js";

/** Prints a progress line with the seconds since the guest suite started (the host shows it). */
export type GuestLog = (message: string) => void;

/** What a scenario gets: where things are, and where to record what it made and saw. */
export class ScenarioContext {
  readonly result: ScenarioResult = { ok: false, seconds: 0, facts: {}, runs: {} };

  constructor(
    readonly share: string,
    readonly tree: KubeletCgroupTree,
    readonly log: GuestLog,
  ) {}

  get collector(): string {
    return join(this.share, "diagnose-collector.cjs");
  }

  /** The compiled Alloc workload (hack/scenarios/s1/Alloc.java), compiled by the host. */
  get classes(): string {
    return join(this.share, "classes");
  }

  fact(name: string, value: string | number | boolean | undefined): void {
    this.result.facts[name] = value;
  }

  /** Runs the real collector CLI and records the run under `name`. */
  async collect(name: string, args: readonly string[]): Promise<CollectorRun> {
    this.log(`collector ${name}: ${args.join(" ")}`);
    const run = await runGuestCollector(this.collector, args);
    this.result.runs[name] = run;
    const codes = run.report?.findings.map((f) => f.code).join(",") ?? "no report";
    this.log(`collector ${name}: exit ${run.exitCode} in ${run.wallMs} ms: ${codes}`);
    return run;
  }

  /** Saves a captured kernel output for test/fixtures (copied there by UPDATE_FIXTURES=1). */
  async capture(relativePath: string, content: string): Promise<void> {
    const file = join(this.share, "out", "fixtures", relativePath);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}
