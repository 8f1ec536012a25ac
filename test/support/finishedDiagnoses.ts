/**
 * Finished Diagnoses with statuses as large as the operator writes them (a report with a
 * profile's stacks, 32 findings with evidence: ~120 KiB of JSON each), stored through the real
 * API: the load of the operator's Diagnosis cache in the memory test and the bench.
 */
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
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
  const send = await jsonSender(kubeConfig, opts.concurrency);
  for (let n = 0; n < opts.namespaces; n++)
    await send("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: `${opts.prefix}-${n}` },
    });
  let statusBytes = 0;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      const i = next++;
      const namespace = `${opts.prefix}-${i % opts.namespaces}`;
      const name = `finished-${i}`;
      const collection = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
      await send("POST", collection, {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, finalizers: [CLEANUP_FINALIZER] },
        spec: { target: { node: `worker-${i % 50}` }, checks: ["softirq", "profile"] },
      });
      const status = largeFinishedStatus(i);
      statusBytes += Buffer.byteLength(JSON.stringify(status));
      await send("PATCH", `${collection}/${name}/status`, { status });
      opts.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { statusBytes };
}

/**
 * POST (create) or PATCH (JSON merge patch) with the kubeconfig's credentials over kept-alive
 * connections: thousands of requests without a TLS handshake each.
 */
async function jsonSender(
  kubeConfig: KubeConfig,
  maxSockets: number,
): Promise<(method: "POST" | "PATCH", path: string, body: unknown) => Promise<void>> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error("kubeconfig has no current cluster");
  const base: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(base);
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets,
    ...(base.ca ? { ca: base.ca } : {}),
    ...(base.cert ? { cert: base.cert } : {}),
    ...(base.key ? { key: base.key } : {}),
  });
  return (method, path, body) =>
    new Promise<void>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = https.request(
        new URL(path, server),
        {
          ...base,
          agent,
          method,
          headers: {
            ...(base.headers as Record<string, string> | undefined),
            Accept: "application/json",
            "Content-Type":
              method === "PATCH" ? "application/merge-patch+json" : "application/json",
            "Content-Length": String(Buffer.byteLength(payload)),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("error", reject);
          res.on("end", () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve();
            else reject(new Error(`${method} ${path}: HTTP ${code}: ${text.slice(0, 300)}`));
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
}
