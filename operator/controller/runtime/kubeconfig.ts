/**
 * Which cluster and credentials a set of kubeconfig files selects (their current context), as
 * kubectl merges them: the first file that names a cluster, user or context wins, and the first
 * current-context set wins. Pure: the files come parsed, with their directories (relative paths
 * in a kubeconfig are relative to its file); reading the files named inside is the caller's.
 *
 * The operator authenticates the way it runs: in the cluster (a service account token, see
 * kubeAccess.ts) or, for development, with a kubeconfig holding a client certificate, a token or
 * a username/password. Exec plugins and auth providers would run programs or talk to identity
 * providers from the operator's process; they are refused with a clear message instead.
 */

export interface KubeconfigFile {
  /** The YAML document, parsed. */
  config: unknown;
  /** Directory of the file, for relative paths inside it. */
  dir: string;
  /** For messages. */
  path: string;
}

/** Data inline (base64 decoded) or a file to read. */
export type Material = { data: Buffer } | { file: string };

export interface SelectedCluster {
  server: string;
  certificateAuthority?: Material;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  clientCertificate?: Material;
  clientKey?: Material;
  token?: string;
  tokenFile?: string;
  basicAuth?: { username: string; password: string };
}

export type Selection =
  | { kind: "ok"; cluster: SelectedCluster }
  | { kind: "error"; message: string };

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function resolvePath(dir: string, p: string): string {
  return p.startsWith("/") ? p : `${dir.replace(/\/+$/, "")}/${p}`;
}

/** `name -> entry` of one list (clusters, users, contexts), first file first. */
function named(
  files: readonly KubeconfigFile[],
  list: string,
  field: string,
): Map<string, { entry: Json; file: KubeconfigFile }> {
  const out = new Map<string, { entry: Json; file: KubeconfigFile }>();
  for (const file of files) {
    const items = obj(file.config)?.[list];
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      const name = str(obj(item)?.name);
      const entry = obj(obj(item)?.[field]);
      if (name && entry && !out.has(name)) out.set(name, { entry, file });
    }
  }
  return out;
}

function material(
  entry: Json,
  dataKey: string,
  fileKey: string,
  file: KubeconfigFile,
): Material | undefined {
  const data = str(entry[dataKey]);
  if (data) return { data: Buffer.from(data, "base64") };
  const path = str(entry[fileKey]);
  return path ? { file: resolvePath(file.dir, path) } : undefined;
}

export function selectCluster(files: readonly KubeconfigFile[]): Selection {
  const current = files.map((f) => str(obj(f.config)?.["current-context"])).find(Boolean);
  const where = files.map((f) => f.path).join(":");
  if (!current) return { kind: "error", message: `no current-context in ${where}` };
  const context = named(files, "contexts", "context").get(current)?.entry;
  if (!context) return { kind: "error", message: `context ${current} not found in ${where}` };
  const clusterName = str(context.cluster);
  const cluster = clusterName ? named(files, "clusters", "cluster").get(clusterName) : undefined;
  if (!cluster)
    return {
      kind: "error",
      message: `cluster ${clusterName ?? "(none)"} of context ${current} not found`,
    };
  const server = str(cluster.entry.server);
  if (!server) return { kind: "error", message: `cluster ${clusterName} has no server` };
  if (str(cluster.entry["proxy-url"]))
    return { kind: "error", message: `cluster ${clusterName}: proxy-url is not supported` };
  const selected: SelectedCluster = {
    server: server.replace(/\/+$/, ""),
    insecureSkipTlsVerify: cluster.entry["insecure-skip-tls-verify"] === true,
  };
  const ca = material(
    cluster.entry,
    "certificate-authority-data",
    "certificate-authority",
    cluster.file,
  );
  if (ca) selected.certificateAuthority = ca;
  const serverName = str(cluster.entry["tls-server-name"]);
  if (serverName) selected.tlsServerName = serverName;

  const userName = str(context.user);
  if (!userName) return { kind: "ok", cluster: selected };
  const user = named(files, "users", "user").get(userName);
  if (!user) return { kind: "error", message: `user ${userName} of context ${current} not found` };
  for (const refused of ["exec", "auth-provider"])
    if (user.entry[refused] !== undefined)
      return {
        kind: "error",
        message: `user ${userName} authenticates with ${refused}, which diagnose-operator does not run: use a client certificate or a token, or run it in the cluster`,
      };
  const cert = material(user.entry, "client-certificate-data", "client-certificate", user.file);
  const key = material(user.entry, "client-key-data", "client-key", user.file);
  if (cert) selected.clientCertificate = cert;
  if (key) selected.clientKey = key;
  const token = str(user.entry.token);
  const tokenFile = str(user.entry.tokenFile);
  if (token) selected.token = token;
  else if (tokenFile) selected.tokenFile = resolvePath(user.file.dir, tokenFile);
  const username = str(user.entry.username);
  if (username && !token && !tokenFile)
    selected.basicAuth = { username, password: str(user.entry.password) ?? "" };
  return { kind: "ok", cluster: selected };
}
