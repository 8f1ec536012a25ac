/**
 * The kubelet's part for a collector Job's pod: run its container's command on this machine
 * (see collectorArgv.ts for the two substitutions), then publish what a kubelet would: the
 * container running, then terminated with the termination message, and the log that the API
 * server proxies `pods/log` to (served by test/support/kubeletStandIn.ts).
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { repoRoot } from "../../test/support/controlPlane.js";
import type { KubeletStandIn } from "../../test/support/kubeletStandIn.js";
import { localCollectorArgv } from "./collectorArgv.js";

export interface CollectorPodRun {
  exitCode: number;
  wallMs: number;
  argv: string[];
  terminationMessageBytes: number;
  stderrTail: string;
}

export async function playCollectorPod(opts: {
  kubelet: KubeletStandIn;
  pod: V1Pod;
  workDir: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Each stderr line of the collector (its progress) as it comes. */
  onLine?: (line: string) => void;
}): Promise<CollectorPodRun> {
  const { pod } = opts;
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  const container = pod.spec!.containers[0]!;
  const messagePath = join(opts.workDir, `${name}.termination-log`);
  await writeFile(messagePath, "");
  const argv = localCollectorArgv(
    [...(container.command ?? []), ...(container.args ?? [])],
    messagePath,
  );
  await opts.kubelet.markRunning(pod);
  const startedAt = new Date();
  const child = spawn(process.execPath, ["--import", "tsx", ...argv], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const kill = (): void => {
    child.kill("SIGKILL");
  };
  opts.signal.addEventListener("abort", kill, { once: true });
  const timer = setTimeout(kill, opts.timeoutMs);
  let combined = "";
  let stderr = "";
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    combined += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    combined += c;
    stderr += c;
    pending += c;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim()) opts.onLine?.(line);
    }
  });
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 137));
  });
  clearTimeout(timer);
  opts.signal.removeEventListener("abort", kill);
  const finishedAt = new Date();

  const message = await readFile(messagePath, "utf8");
  opts.kubelet.setLog(namespace, name, container.name, combined);
  await opts.kubelet.publishTerminated(pod, container, {
    exitCode,
    message,
    startedAt,
    finishedAt,
  });
  return {
    exitCode,
    wallMs: finishedAt.getTime() - startedAt.getTime(),
    argv,
    terminationMessageBytes: Buffer.byteLength(message),
    stderrTail: stderr.trimEnd().split("\n").slice(-10).join("\n"),
  };
}
