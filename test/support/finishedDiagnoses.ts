/**
 * Finished Diagnoses with statuses as large as the operator writes them (a report with a
 * profile's stacks, 32 findings with evidence: ~120 KiB of JSON each), stored through the real
 * API: the load of the operator's Diagnosis cache in the memory test and the bench.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
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

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

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
export function largeFinishedStatus(i: number): DiagnosisStatus {
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

/**
 * Creates `count` Diagnoses (node targets, with the operator's finalizer, as the operator leaves
 * them) spread over `namespaces` namespaces named `<prefix>-<n>` (created here), each with a
 * large Completed status; `concurrency` requests in flight. Returns the status bytes stored.
 */
export async function createFinishedDiagnoses(
  kubeConfig: KubeConfig,
  opts: {
    count: number;
    namespaces: number;
    prefix: string;
    concurrency: number;
    onProgress?: (done: number) => void;
  },
): Promise<{ statusBytes: number }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  for (let n = 0; n < opts.namespaces; n++)
    await core.createNamespace({ body: { metadata: { name: `${opts.prefix}-${n}` } } });
  let statusBytes = 0;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      const i = next++;
      const namespace = `${opts.prefix}-${i % opts.namespaces}`;
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
      statusBytes += Buffer.byteLength(JSON.stringify(status));
      await custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { status } },
        mergePatch,
      );
      opts.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { statusBytes };
}
