/**
 * A TEST STAND-IN for a kubelet: the integration control plane has none, so this plays its part
 * for the collector pods the operator's Jobs make:
 *  - registers a Node whose status.daemonEndpoints.kubeletEndpoint.Port and InternalIP address
 *    (127.0.0.1) point at a small HTTPS server here, so the API server proxies pods/log to it;
 *  - answers the kubelet's `GET /containerLogs/<ns>/<pod>/<container>` with the log it holds;
 *  - runs a pod's collector command locally, as a container runtime would (the command from the
 *    pod spec, with the substitutions described at runCollectorPod), and publishes the result
 *    the way a kubelet does: the container's terminated state with the termination message, via
 *    the pods/status subresource, and the stdout+stderr log through the log endpoint.
 * The API server verifies no kubelet certificate here: hack/cluster-up.sh sets no
 * --kubelet-certificate-authority, and kube-apiserver then skips verification of the kubelet's
 * serving certificate (a self-signed one is generated below).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import { localCollectorArgv } from "./localCollectorArgv.js";
import { repoRoot } from "./repoRoot.js";
import { runCommand } from "./runCommand.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface CollectorRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** What the collector wrote to its termination message file. */
  terminationMessage: string;
  wallMs: number;
}

export interface RunCollectorPodOptions {
  /**
   * A local process that stands in for the target container (no container runtime made it):
   * `--container-id` becomes `--pid`. Omitted: `--container-id` is kept, for a target in a
   * kubelet-shaped cgroup (the demo's).
   */
  targetPid?: number;
  /** Serve the log through the kubelet endpoint (false: the log is "gone", 404). Default true. */
  serveLog?: boolean;
  /** Publish the termination message (false: empty, as when the collector died early). Default true. */
  publishTerminationMessage?: boolean;
  /** Default 60 s. */
  timeoutMs?: number;
  abort?: AbortSignal;
  /** Each line of the collector's stderr (its progress) as it comes. */
  onStderrLine?: (line: string) => void;
}

function selfSignedCert(dir: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, "kubelet.key");
  const cert = join(dir, "kubelet.crt");
  const r = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=kubelet-stand-in",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  if (r.status !== 0) throw new Error("openssl could not make the stand-in kubelet certificate");
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

export class KubeletStandIn {
  private readonly logs = new Map<string, string>();
  private readonly dir = mkdtempSync(join(tmpdir(), "kubelet-stand-in-"));
  private server: Server | undefined;
  private readonly core: CoreV1Api;
  port = 0;
  /** Requests the API server proxied here, for assertions. */
  readonly requests: string[] = [];

  constructor(
    kubeConfig: KubeConfig,
    readonly nodeName: string,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    const { key, cert } = selfSignedCert(this.dir);
    this.server = createServer({ key, cert }, (req, res) => {
      this.requests.push(req.url ?? "");
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(req.url ?? "");
      const log = m ? this.logs.get(`${m[1]}/${m[2]}/${m[3]}`) : undefined;
      if (req.method !== "GET" || log === undefined) {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("not found");
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(logWindow(log, new URL(req.url ?? "/", "https://kubelet").searchParams));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
    await this.registerNode();
  }

  private async registerNode(): Promise<void> {
    await this.core.createNode({
      body: {
        metadata: { name: this.nodeName, labels: { "kubernetes.io/hostname": this.nodeName } },
      },
    });
    await this.core.patchNodeStatus(
      {
        name: this.nodeName,
        body: {
          status: {
            addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
            daemonEndpoints: { kubeletEndpoint: { Port: this.port } },
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                message: "kubelet stand-in",
                lastHeartbeatTime: new Date(),
                lastTransitionTime: new Date(),
              },
            ],
          },
        },
      },
      mergePatch,
    );
  }

  setLog(namespace: string, pod: string, container: string, text: string): void {
    this.logs.set(`${namespace}/${pod}/${container}`, text);
  }

  /** Marks a pod's containers running (phase Running), as a kubelet does after starting them. */
  async markRunning(pod: V1Pod): Promise<void> {
    const now = new Date();
    await this.core.patchNamespacedPodStatus(
      {
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body: {
          status: {
            phase: "Running",
            startTime: now,
            containerStatuses: pod.spec!.containers.map((c) => ({
              name: c.name,
              image: c.image,
              imageID: "",
              ready: true,
              restartCount: 0,
              started: true,
              containerID: `containerd://${"ab".repeat(32)}`,
              state: { running: { startedAt: now } },
            })),
          },
        },
      },
      mergePatch,
    );
  }

  /**
   * Runs the collector container's command locally, as a container runtime would, with the
   * substitutions of localCollectorArgv (the binary from source, the termination message path a
   * local file, and with `targetPid` the target container's ID swapped for a local pid), then
   * publishes the result as a kubelet does: the log, and the terminated state with the
   * termination message.
   */
  async runCollectorPod(pod: V1Pod, opts: RunCollectorPodOptions = {}): Promise<CollectorRun> {
    const container = pod.spec!.containers[0]!;
    const messagePath = join(this.dir, `${pod.metadata!.name}.termination-log`);
    writeFileSync(messagePath, "");
    const argv = localCollectorArgv(
      [...(container.command ?? []), ...(container.args ?? [])],
      messagePath,
      opts.targetPid,
    );
    await this.markRunning(pod);
    const startedAt = new Date();
    const run = await runCommand(process.execPath, ["--import", "tsx", ...argv], {
      cwd: repoRoot,
      timeoutMs: opts.timeoutMs ?? 60_000,
      ...(opts.abort ? { abort: opts.abort } : {}),
      ...(opts.onStderrLine ? { onStderrLine: opts.onStderrLine } : {}),
    });
    const finishedAt = new Date();
    const exitCode = run.exitCode ?? 137;
    const terminationMessage = readFileSync(messagePath, "utf8");
    if (opts.serveLog ?? true)
      this.setLog(pod.metadata!.namespace!, pod.metadata!.name!, container.name, run.output);
    await this.publishTerminated(pod, container, {
      exitCode,
      message: (opts.publishTerminationMessage ?? true) ? terminationMessage : undefined,
      startedAt,
      finishedAt,
    });
    return {
      exitCode,
      stdout: run.stdout,
      stderr: run.stderr,
      terminationMessage,
      wallMs: finishedAt.getTime() - startedAt.getTime(),
    };
  }

  /** Publishes a container's end as a kubelet would: its terminated state, through pods/status. */
  async publishTerminated(
    pod: V1Pod,
    container: { name: string; image?: string },
    end: { exitCode: number; message?: string; startedAt: Date; finishedAt: Date },
  ): Promise<void> {
    await this.core.patchNamespacedPodStatus(
      {
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body: {
          status: {
            phase: end.exitCode === 0 ? "Succeeded" : "Failed",
            containerStatuses: [
              {
                name: container.name,
                image: container.image ?? "",
                imageID: "",
                ready: false,
                restartCount: 0,
                started: false,
                containerID: `containerd://${"cd".repeat(32)}`,
                state: {
                  terminated: {
                    exitCode: end.exitCode,
                    reason: end.exitCode === 0 ? "Completed" : "Error",
                    message: end.message || undefined,
                    startedAt: end.startedAt,
                    finishedAt: end.finishedAt,
                  },
                },
              },
            ],
          },
        },
      },
      mergePatch,
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * What the kubelet serves of a log for tailLines and limitBytes: the last tailLines lines, then
 * the first limitBytes bytes from there (the kubelet counts the container runtime's records; the
 * stand-in's log has no partial records, so its lines are those records).
 */
export function logWindow(log: string, query: URLSearchParams): Buffer {
  let text = log;
  const tail = Number(query.get("tailLines") ?? Number.NaN);
  if (Number.isInteger(tail) && tail >= 0) {
    const lines = text.split("\n");
    const hasFinalNewline = lines.at(-1) === "";
    if (hasFinalNewline) lines.pop();
    text = lines.slice(Math.max(0, lines.length - tail)).join("\n") + (hasFinalNewline ? "\n" : "");
  }
  const bytes = Buffer.from(text, "utf8");
  const limit = Number(query.get("limitBytes") ?? Number.NaN);
  return Number.isInteger(limit) && limit > 0 ? bytes.subarray(0, limit) : bytes;
}
