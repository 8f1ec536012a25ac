/**
 * Thousands of finished Diagnoses with large statuses, and the operator within the chart's memory
 * limit: the operator runs as production runs it (the esbuild bundle, the chart's NODE_OPTIONS)
 * as a child process, like the bench, against a real kube-apiserver holding 2,000 completed
 * Diagnoses of ~100 KiB each (a report with a profile's stacks, 32 findings with evidence). Its
 * peak RSS (VmHWM: the initial list included) must stay under the chart's
 * resources.limits.memory, also after a restart. Issue #13: 712 such Diagnoses, cached whole,
 * took it to 283 MiB and a crash loop; 2,000 cached whole exhaust the chart's V8 heap before the
 * caches sync.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { parse } from "yaml";
import { bundleOperator } from "../../hack/devtools.js";
import {
  API_VERSION,
  type DiagnosisStatus,
  type Finding,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
} from "../../operator/api/v1alpha1/diagnosis.js";
import { CLEANUP_FINALIZER } from "../../operator/api/v1alpha1/wellKnown.js";
import type { ControlPlane } from "../support/controlPlane.js";
import { OPERATOR_NAMESPACE, startClusterWithCrd } from "../support/operatorHarness.js";
import { OperatorProcess } from "../support/operatorProcess.js";
import { repoRoot } from "../support/repoRoot.js";

const DIAGNOSES = 2000;
const NAMESPACES = 20;
const MiB = 2 ** 20;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** The chart's default values: the operator's memory limit and NODE_OPTIONS. */
function chartOperatorValues(): { memoryLimitBytes: number; nodeOptions: string } {
  const values = parse(
    readFileSync(join(repoRoot, "charts/diagnose-operator/values.yaml"), "utf8"),
  ) as { resources: { limits: { memory: string } }; nodeOptions: string };
  const m = /^(\d+)Mi$/.exec(values.resources.limits.memory);
  if (!m) throw new Error(`unexpected memory limit ${values.resources.limits.memory}`);
  return { memoryLimitBytes: Number(m[1]) * MiB, nodeOptions: values.nodeOptions };
}

/** VmRSS or VmHWM (the peak) of a process, in bytes. */
async function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Runs `fn` over 0..n-1 with at most `concurrency` calls in flight. */
async function forEachBounded(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Text of `bytes` characters that differs per Diagnosis (no sharing between objects). */
function filler(seed: number, bytes: number): string {
  let out = "";
  let x = seed * 2654435761;
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += x.toString(36);
  }
  return out.slice(0, bytes);
}

/** A Completed status as large as the operator writes them: ~100 KiB of JSON. */
function largeFinishedStatus(i: number): DiagnosisStatus {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)).toISOString();
  const findings: Finding[] = Array.from({ length: 32 }, (_, k) => ({
    check: "profile",
    severity: k === 0 ? "Critical" : "Warning",
    code: `BenchFinding${k}`,
    summary: `finding ${k} of diagnosis ${i}: ${filler(i * 100 + k, 300)}`,
    remediation: filler(i * 1000 + k, 500),
    evidence: { samples: Array.from({ length: 40 }, (_, s) => s * k + i), note: filler(k, 400) },
    source: "Collector",
  }));
  return {
    phase: "Succeeded",
    observedGeneration: 1,
    conditions: [
      {
        type: "JobCreated",
        status: "True",
        reason: "CollectorRunning",
        message: `collector pod diagnose-system/diag-${i} is running on node worker-${i % 50}`,
        lastTransitionTime: at,
      },
      {
        type: "Completed",
        status: "True",
        reason: "Succeeded",
        message: findings[0]!.summary,
        lastTransitionTime: at,
      },
    ],
    trigger: { source: "Manual" },
    target: { node: `worker-${i % 50}`, container: "app" },
    jobName: `diag-bench-${i}`,
    startTime: at,
    completionTime: at,
    verdict: `Critical: ${findings[0]!.summary}`.slice(0, 1024),
    findings,
    report: {
      schemaVersion: "diagnose.dev/report/v1",
      source: "log",
      collector: { version: "0.1.0" },
      checks: {
        profile: {
          status: "ok",
          durationMs: 30_000,
          data: { collapsedGzipBase64: filler(i, 48 * 1024), topFrames: filler(i + 1, 4096) },
        },
        softirq: { status: "ok", durationMs: 3000, data: { counters: filler(i + 2, 16 * 1024) } },
      },
    },
  };
}

describe("2,000 finished Diagnoses with large statuses: operator memory (real kube-apiserver, operator as a child process)", function () {
  this.timeout(600_000);
  let cp: ControlPlane | undefined;
  let bundleDir: string | undefined;
  let mainJs: string;
  let op: OperatorProcess | undefined;
  let logDir: string | undefined;

  before(async () => {
    cp = await startClusterWithCrd();
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    for (let n = 0; n < NAMESPACES; n++)
      await core.createNamespace({ body: { metadata: { name: `tenant-${n}` } } });
    const started = Date.now();
    let bytes = 0;
    await forEachBounded(DIAGNOSES, 32, async (i) => {
      const namespace = `tenant-${i % NAMESPACES}`;
      const name = `finished-${i}`;
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        body: {
          apiVersion: API_VERSION,
          kind: KIND,
          metadata: { name, finalizers: [CLEANUP_FINALIZER] },
          spec: { target: { node: `worker-${i % 50}` }, checks: ["softirq", "profile"] },
        },
      });
      const status = largeFinishedStatus(i);
      bytes += Buffer.byteLength(JSON.stringify(status));
      await custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { status } },
        mergePatch,
      );
    });
    process.stderr.write(
      `      ${DIAGNOSES} finished Diagnoses, ${(bytes / MiB).toFixed(0)} MiB of status, stored in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
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

  async function startOperator(round: string): Promise<OperatorProcess> {
    const p = await OperatorProcess.start({
      kubeconfigPath: cp!.kubeconfigPath,
      namespace: OPERATOR_NAMESPACE,
      logPath: join(logDir!, `operator-${round}.log`),
      args: ["--auto-trigger=false"],
      code: { kind: "compiled", mainJs },
      nodeOptions: chartOperatorValues().nodeOptions,
    });
    await p.waitReadyAndLeader(180_000);
    return p;
  }

  it("caches them within the chart's memory limit, and restarts without crashing", async () => {
    const limit = chartOperatorValues().memoryLimitBytes;
    const rounds: string[] = [];
    for (const round of ["first start", "restart"]) {
      op = await startOperator(round);
      // Every Diagnosis reconciled (finished: nothing to do) and the first list's garbage gone.
      await new Promise((r) => setTimeout(r, 3000));
      expect(op.child.exitCode, `${round}: still running`).to.equal(null);
      const rss = await op.rssBytes();
      const peak = await procStatusBytes(op.pid, "VmHWM");
      rounds.push(
        `${round}: RSS ${(rss / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`,
      );
      expect(peak, `${round}: peak RSS against the chart's limit`).to.be.below(limit);
      const metrics = await op.metrics();
      expect(metrics).to.match(
        new RegExp(
          `diagnose_diagnoses\\{phase="Succeeded",verdict_code="BenchFinding0"\\} ${DIAGNOSES}\\b`,
        ),
      );
      await op.stop();
      expect(op.child.exitCode, `${round}: exited by itself on SIGTERM`).to.equal(0);
      op = undefined;
    }
    process.stderr.write(`      limit ${(limit / MiB).toFixed(0)} MiB; ${rounds.join("; ")}\n`);
  });
});
