/**
 * How the operator reaches the apiserver: the server URL, and for each request its TLS material,
 * credentials and a keep-alive connection pool. Loaded the way client-go and
 * @kubernetes/client-node load it (KUBECONFIG, else ~/.kube/config, else the pod's service
 * account), with the credentials kubeconfig.ts accepts.
 *
 * Why not client-node's KubeConfig: importing it loads the whole generated client (every API
 * group and model, ~65 MiB of RSS before the operator does anything), and its typed clients
 * open a new connection pool, so a new TLS handshake, for every request (a create took ~33 ms
 * instead of ~8 ms over a kept-alive connection). The KubeAccess interface below is the part of
 * client-node's KubeConfig the runtime uses, so tests may still hand one in.
 */
import { existsSync, readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { homedir } from "node:os";
import { dirname } from "node:path";
import {
  type KubeconfigFile,
  type Material,
  type SelectedCluster,
  selectCluster,
} from "./kubeconfig.js";

/** What the runtime needs of a kubeconfig (client-node's KubeConfig has the same two methods). */
export interface KubeAccess {
  getCurrentCluster(): { server: string } | null;
  /** Puts the connection pool (TLS material included) and the credentials on a request's options. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Projected service account tokens rotate; client-go reads the file again every minute. */
const TOKEN_REREAD_MS = 60_000;
/**
 * Idle pooled connections are closed before the apiserver's own idle timeout (90 s) closes
 * them, so a request rarely meets a connection that is going away (and retries once if it does,
 * see restClient.ts).
 */
const IDLE_SOCKET_TIMEOUT_MS = 60_000;

export interface KubeAccessDeps {
  env: NodeJS.ProcessEnv;
  /** Undefined when there is none: the image's user (65532) has no passwd entry and no HOME. */
  home: string | undefined;
  exists(path: string): boolean;
  readFile(path: string): Buffer;
  /** YAML text -> value; loaded only for a kubeconfig file (in the cluster there is none). */
  parseYaml(text: string): Promise<unknown>;
  now(): number;
}

const systemDeps: KubeAccessDeps = {
  env: process.env,
  home: homeDirectory(),
  exists: existsSync,
  readFile: (p) => readFileSync(p),
  parseYaml: async (text) => (await import("yaml")).parse(text) as unknown,
  now: () => Date.now(),
};

class ClusterAccess implements KubeAccess {
  private readonly agent: http.Agent;
  private token: { value: string; readAt: number } | undefined;

  constructor(
    private readonly cluster: SelectedCluster,
    private readonly deps: Pick<KubeAccessDeps, "readFile" | "now">,
  ) {
    const read = (m: Material | undefined): Buffer | undefined =>
      m === undefined ? undefined : "data" in m ? m.data : deps.readFile(m.file);
    const pool = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS };
    this.agent = cluster.server.startsWith("http:")
      ? new http.Agent(pool)
      : new https.Agent({
          ...pool,
          ca: read(cluster.certificateAuthority),
          cert: read(cluster.clientCertificate),
          key: read(cluster.clientKey),
          rejectUnauthorized: !cluster.insecureSkipTlsVerify,
          ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
        });
    // The files must be readable now: a bad path fails at start, not at the first request.
    this.authorization();
  }

  getCurrentCluster(): { server: string } {
    return { server: this.cluster.server };
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    opts.agent = this.agent;
    const authorization = this.authorization();
    if (authorization) opts.headers = { ...opts.headers, Authorization: authorization };
  }

  private authorization(): string | undefined {
    const c = this.cluster;
    if (c.token) return `Bearer ${c.token}`;
    if (c.tokenFile) {
      const now = this.deps.now();
      if (!this.token || now - this.token.readAt > TOKEN_REREAD_MS)
        this.token = {
          value: this.deps.readFile(c.tokenFile).toString("utf8").trim(),
          readAt: now,
        };
      return `Bearer ${this.token.value}`;
    }
    if (c.basicAuth)
      return `Basic ${Buffer.from(`${c.basicAuth.username}:${c.basicAuth.password}`).toString("base64")}`;
    return undefined;
  }
}

/** In a pod: the service account's token and CA, the apiserver from the service env. */
function inCluster(deps: KubeAccessDeps): SelectedCluster | undefined {
  const host = deps.env.KUBERNETES_SERVICE_HOST;
  const port = deps.env.KUBERNETES_SERVICE_PORT;
  const tokenFile = `${SERVICE_ACCOUNT_DIR}/token`;
  if (!host || !port || !deps.exists(tokenFile)) return undefined;
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    certificateAuthority: { file: `${SERVICE_ACCOUNT_DIR}/ca.crt` },
    insecureSkipTlsVerify: false,
    tokenFile,
  };
}

/** os.homedir() throws (uv_os_homedir ENOENT) for a user with no HOME and no passwd entry. */
function homeDirectory(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/**
 * KUBECONFIG (files joined with ':', merged), else ~/.kube/config, else the pod's service
 * account. Throws with the reason when none works.
 */
export async function loadKubeAccess(deps: KubeAccessDeps = systemDeps): Promise<KubeAccess> {
  const fromEnv = (deps.env.KUBECONFIG ?? "").split(":").filter(Boolean);
  const home = deps.home === undefined ? undefined : `${deps.home}/.kube/config`;
  const paths = fromEnv.length > 0 ? fromEnv : home && deps.exists(home) ? [home] : [];
  if (paths.length === 0) {
    const cluster = inCluster(deps);
    if (!cluster)
      throw new Error(
        "no cluster configured: set KUBECONFIG, or run in a pod with a service account",
      );
    return new ClusterAccess(cluster, deps);
  }
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    if (!deps.exists(path)) continue;
    files.push({
      path,
      dir: dirname(path),
      config: await deps.parseYaml(deps.readFile(path).toString("utf8")),
    });
  }
  if (files.length === 0) throw new Error(`kubeconfig not found: ${paths.join(":")}`);
  const selected = selectCluster(files);
  if (selected.kind === "error") throw new Error(`kubeconfig: ${selected.message}`);
  return new ClusterAccess(selected.cluster, deps);
}
