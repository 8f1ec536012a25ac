/**
 * Thousands of finished Diagnoses with large statuses, and the operator within the chart's memory
 * limit: the operator runs as production runs it (the esbuild bundle, the chart's NODE_OPTIONS
 * and malloc environment)
 * as a child process, like the bench, against a real kube-apiserver holding 2,000 completed
 * Diagnoses of ~120 KiB each (test/support/finishedDiagnoses.ts). Its peak RSS (VmHWM: the
 * initial list included) must stay under the chart's resources.limits.memory, also after a
 * restart. Issue #13: 712 such Diagnoses, cached whole, took it to 283 MiB and a crash loop;
 * 2,000 cached whole exhaust the chart's V8 heap before the caches sync.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { bundleOperator } from "../../hack/devtools.js";
import {
  chartMemoryLimitBytes,
  chartNodeOptions,
  chartProcessEnv,
} from "../support/chartOperatorValues.js";
import type { ControlPlane } from "../support/controlPlane.js";
import { createFinishedDiagnoses } from "../support/finishedDiagnoses.js";
import { OPERATOR_NAMESPACE, startClusterWithCrd } from "../support/operatorHarness.js";
import { OperatorProcess } from "../support/operatorProcess.js";
import { repoRoot } from "../support/repoRoot.js";

const DIAGNOSES = 2000;
const MiB = 2 ** 20;

describe("2,000 finished Diagnoses with large statuses: operator memory (real kube-apiserver, operator as a child process)", function () {
  this.timeout(900_000);
  let cp: ControlPlane | undefined;
  let bundleDir: string | undefined;
  let mainJs: string;
  let op: OperatorProcess | undefined;
  let logDir: string | undefined;

  before(async () => {
    cp = await startClusterWithCrd();
    const started = Date.now();
    const { statusBytes } = await createFinishedDiagnoses(cp.kubeConfig, {
      count: DIAGNOSES,
      namespaces: 20,
      prefix: "tenant",
      concurrency: 32,
    });
    process.stderr.write(
      `      ${DIAGNOSES} finished Diagnoses, ${(statusBytes / MiB).toFixed(0)} MiB of status, stored in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    // The esbuild bundle the image ships, under the repo (node_modules resolve from there).
    mkdirSync(join(repoRoot, ".tmp"), { recursive: true });
    bundleDir = mkdtempSync(join(repoRoot, ".tmp", "memory-test-operator-"));
    mainJs = join(bundleDir, "diagnose-operator.mjs");
    await bundleOperator(mainJs);
    logDir = mkdtempSync(join(tmpdir(), "diagnose-memory-test-"));
  });

  after(async () => {
    await op?.stop();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
    await cp?.stop();
    if (logDir && !process.env.KEEP_OPERATOR_LOG) rmSync(logDir, { recursive: true, force: true });
  });

  it("caches them within the chart's memory limit, and restarts without crashing", async () => {
    const limit = chartMemoryLimitBytes();
    const rounds: string[] = [];
    for (const round of ["first-start", "restart"]) {
      op = await OperatorProcess.start({
        kubeconfigPath: cp!.kubeconfigPath,
        namespace: OPERATOR_NAMESPACE,
        logPath: join(logDir!, `operator-${round}.log`),
        args: ["--auto-trigger=false"],
        code: { kind: "compiled", mainJs },
        nodeOptions: chartNodeOptions(),
        env: chartProcessEnv(),
      });
      await op.waitReadyAndLeader(180_000);
      // Every Diagnosis reconciled (finished: nothing to do) and the first list's garbage gone.
      await new Promise((r) => setTimeout(r, 3000));
      op.assertRunning();
      const rss = await op.rssBytes();
      const peak = await op.peakRssBytes();
      rounds.push(
        `${round}: RSS ${(rss / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`,
      );
      expect(peak, `${round}: peak RSS against the chart's limit`).to.be.below(limit);
      expect(await op.metrics()).to.match(
        new RegExp(`diagnose_diagnoses\\{phase="Succeeded"\\} ${DIAGNOSES}\\b`),
      );
      await op.stop();
      expect(op.child.exitCode, `${round}: exits by itself on SIGTERM`).to.equal(0);
      op = undefined;
    }
    process.stderr.write(`      limit ${(limit / MiB).toFixed(0)} MiB; ${rounds.join("; ")}\n`);
  });
});
