/**
 * The guest scenario suite: runs inside the Debian guest (hack/guest/runGuest.ts boots it; the
 * oneshot unit dgn-guest-suite.service starts this with the share's Node), makes each fault for
 * real on cgroup v2 / netem, runs the bundled collector against it, and writes what happened to
 * <share>/out/results.json after every scenario. Assertions live on the host
 * (test/guest/guestScenarios.test.ts); a scenario that cannot be made records its error.
 *   node suite.mjs <share dir>
 */
import { readFileSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mustRun } from "../../support/runCommand.js";
import { type GuestResults, SCENARIO_IDS, type ScenarioId } from "../guestResults.js";
import { KubeletCgroupTree } from "./kubeletCgroupV2.js";
import { s1Cpu } from "./s1Cpu.js";
import { APP_UID, nodeAllocatableOom, podLimitOom, s1Fits, s1MaxRam, s1Xmx } from "./s1Memory.js";
import { s2Gemodel, s2Seed } from "./s2Network.js";
import { s3SynFlood } from "./s3SynFlood.js";
import { ScenarioContext } from "./scenarioContext.js";

const SCENARIOS: Record<ScenarioId, (ctx: ScenarioContext) => Promise<void>> = {
  s1Xmx,
  s1MaxRam,
  s1Fits,
  s1Cpu,
  podLimitOom,
  nodeAllocatableOom,
  s2Seed,
  s2Gemodel,
  s3SynFlood,
};

/** Modules the scenarios need that nothing loads without udev (netfilter ones load on demand). */
const MODULES = ["veth", "dummy", "sch_netem", "sch_prio", "sch_tbf"];

interface GuestConfig {
  /** The guest powers off by then at the latest; later scenarios are skipped, not started. */
  deadlineSeconds: number;
  scenarioTimeoutSeconds: number;
  only?: ScenarioId[];
}

const started = performance.now();
const log = (message: string) =>
  process.stdout.write(
    `dgn-guest: [${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`,
  );

function withTimeout<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} timed out after ${seconds} s`)),
        seconds * 1000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main(share: string): Promise<void> {
  const config = JSON.parse(readFileSync(join(share, "config.json"), "utf8")) as GuestConfig;
  const out = join(share, "out");
  await mkdir(out, { recursive: true });
  for (const m of MODULES) await mustRun("modprobe", [m]);
  // The S1 JVM runs as a non-root user, as most images do.
  const passwd = await readFile("/etc/passwd", "utf8");
  if (!passwd.includes(`:${APP_UID}:`)) {
    await appendFile(
      "/etc/passwd",
      `app:x:${APP_UID}:${APP_UID}::/nonexistent:/usr/sbin/nologin\n`,
    );
    await appendFile("/etc/group", `app:x:${APP_UID}:\n`);
  }
  const results: GuestResults = {
    kernel: (await mustRun("uname", ["-r"])).trim(),
    cgroupControllers: (await readFile("/sys/fs/cgroup/cgroup.controllers", "utf8")).trim(),
    startedAt: new Date().toISOString(),
    finished: false,
    scenarios: {},
  };
  log(`kernel ${results.kernel}; cgroup v2 controllers: ${results.cgroupControllers}`);
  const save = () => writeFile(join(out, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
  const ids = SCENARIO_IDS.filter((id) => !config.only || config.only.includes(id));
  for (const id of ids) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed + config.scenarioTimeoutSeconds > config.deadlineSeconds) {
      results.scenarios[id] = {
        ok: false,
        error: `not started: ${Math.round(elapsed)} s into a ${config.deadlineSeconds} s run`,
        seconds: 0,
        facts: {},
        runs: {},
      };
      continue;
    }
    const tree = await KubeletCgroupTree.prepare();
    const ctx = new ScenarioContext(share, tree, (m) => log(`${id}: ${m}`));
    const t0 = performance.now();
    log(`${id}: start`);
    try {
      await withTimeout(SCENARIOS[id](ctx), config.scenarioTimeoutSeconds, id);
      ctx.result.ok = true;
    } catch (e) {
      ctx.result.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`${id}: FAILED: ${ctx.result.error.split("\n")[0]}`);
    } finally {
      await tree.destroy().catch((e: unknown) => log(`${id}: cleanup: ${String(e)}`));
    }
    ctx.result.seconds = Math.round((performance.now() - t0) / 100) / 10;
    results.scenarios[id] = ctx.result;
    log(`${id}: ${ctx.result.ok ? "done" : "failed"} in ${ctx.result.seconds} s`);
    await save();
  }
  results.finished = true;
  await save();
  log("all scenarios ran");
}

main(process.argv[2] ?? "/mnt/share").then(
  () => process.exit(0),
  (e: unknown) => {
    log(`suite failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
