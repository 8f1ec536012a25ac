/**
 * Operator configuration: flags and environment variables (see the operator contract).
 * parseOperatorConfig is pure: argv + env + host facts in, a config or a clear error out.
 * Precedence: flag > environment variable > default.
 */

import { parseQuantity } from "../analysis/parseQuantity.js";
import { invalidSelectorTerm } from "./labelSelector.js";
import type { RuntimeConfig } from "./runtime/startRuntime.js";

export type LogLevel = "error" | "warn" | "info" | "http" | "verbose" | "debug" | "silly";
const LOG_LEVELS: readonly LogLevel[] = [
  "error",
  "warn",
  "info",
  "http",
  "verbose",
  "debug",
  "silly",
];

/**
 * The runtime's settings (its `namespace`, the Lease's, is also where collector Jobs and their
 * logs live) and the product's.
 */
export interface OperatorConfig extends RuntimeConfig {
  collectorImage: string;
  collectorServiceAccount: string;
  collectorCpuRequest: string;
  collectorMemoryRequest: string;
  collectorCpuLimit: string;
  collectorMemoryLimit: string;
  /** Empty = no priority class. */
  collectorPriorityClass: string;
  /**
   * Tolerations of collector pods; also the taints of a node the operator accepts (a node with
   * another NoSchedule/NoExecute taint gets no collector). Default: DEFAULT_COLLECTOR_TOLERATIONS.
   */
  collectorTolerations: CollectorToleration[];
  /** Secrets in the collector namespace for pulling the collector image. */
  collectorImagePullSecrets: string[];
  /** Namespaces whose Pods are watched; empty = all. */
  watchNamespaces: string[];
  autoTrigger: boolean;
  /** Label selector on Namespaces; empty = all. */
  autoNamespaceSelector: string;
  cooldownSeconds: number;
  maxJobsPerNode: number;
  maxJobs: number;
  /** Unfinished Diagnoses per namespace; a new one beyond it fails (TooManyOpenDiagnoses). */
  maxOpenPerNamespace: number;
  /** Longest wait for a collector slot; longer: Failed QueuedTooLong. */
  maxQueuedSeconds: number;
  /** Finished Diagnoses are deleted this long after they finished (spec may say otherwise); 0 = kept. */
  ttlSecondsAfterFinished: number;
  logLevel: LogLevel;
}

export interface CollectorToleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

/**
 * The taints Kubernetes itself puts on a node in trouble, and cordoning: where a diagnosis is most
 * needed. Any other taint is someone's decision to keep pods away (control-plane nodes, a team's
 * dedicated nodes); the collector goes there only when collector.tolerations says so.
 */
export const DEFAULT_COLLECTOR_TOLERATIONS: readonly CollectorToleration[] = [
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.kubernetes.io/memory-pressure",
  "node.kubernetes.io/disk-pressure",
  "node.kubernetes.io/pid-pressure",
  "node.kubernetes.io/network-unavailable",
  "node.kubernetes.io/unschedulable",
].map((key) => ({ key, operator: "Exists" }));

type Kind =
  | "tolerations"
  | "names"
  | "string"
  | "int"
  | "bool"
  | "list"
  | "quantity"
  | "dns-label"
  | "selector"
  | "log-level";

interface OptionSpec {
  flag: string;
  env: string;
  key: Exclude<keyof OperatorConfig, "identity">;
  kind: Kind;
  default: string;
  help: string;
  min?: number;
  max?: number;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    flag: "namespace",
    env: "DIAGNOSE_NAMESPACE",
    key: "namespace",
    kind: "dns-label",
    default: "diagnose-system",
    help: "namespace of the collector Jobs and the Lease",
  },
  {
    flag: "collector-image",
    env: "DIAGNOSE_COLLECTOR_IMAGE",
    key: "collectorImage",
    kind: "string",
    default: "ghcr.io/diagnose-dev/diagnose-operator:0.1.0",
    help: "image of the collector Job",
  },
  {
    flag: "collector-service-account",
    env: "DIAGNOSE_COLLECTOR_SERVICE_ACCOUNT",
    key: "collectorServiceAccount",
    kind: "dns-label",
    default: "diagnose-collector",
    help: "service account of the collector pods",
  },
  {
    flag: "collector-cpu-request",
    env: "DIAGNOSE_COLLECTOR_CPU_REQUEST",
    key: "collectorCpuRequest",
    kind: "quantity",
    default: "10m",
    help: "CPU request of the collector container (small: a full node must still admit it)",
  },
  {
    flag: "collector-memory-request",
    env: "DIAGNOSE_COLLECTOR_MEMORY_REQUEST",
    key: "collectorMemoryRequest",
    kind: "quantity",
    default: "64Mi",
    help: "memory request of the collector container",
  },
  {
    flag: "collector-cpu-limit",
    env: "DIAGNOSE_COLLECTOR_CPU_LIMIT",
    key: "collectorCpuLimit",
    kind: "quantity",
    default: "500m",
    help: "CPU limit of the collector container",
  },
  {
    flag: "collector-memory-limit",
    env: "DIAGNOSE_COLLECTOR_MEMORY_LIMIT",
    key: "collectorMemoryLimit",
    kind: "quantity",
    default: "256Mi",
    help: "memory limit of the collector container",
  },
  {
    flag: "collector-priority-class",
    env: "DIAGNOSE_COLLECTOR_PRIORITY_CLASS",
    key: "collectorPriorityClass",
    kind: "string",
    default: "system-node-critical",
    help: "priorityClassName of the collector pods (empty: none)",
  },
  {
    flag: "collector-tolerations",
    env: "DIAGNOSE_COLLECTOR_TOLERATIONS",
    key: "collectorTolerations",
    kind: "tolerations",
    default: JSON.stringify(DEFAULT_COLLECTOR_TOLERATIONS),
    help: "tolerations of the collector pods, as a JSON array; a node with a NoSchedule/NoExecute taint they do not tolerate gets no collector (default: the node-condition taints and cordoning)",
  },
  {
    flag: "collector-image-pull-secrets",
    env: "DIAGNOSE_COLLECTOR_IMAGE_PULL_SECRETS",
    key: "collectorImagePullSecrets",
    kind: "names",
    default: "",
    help: "comma-separated Secrets in the collector namespace for pulling the collector image",
  },
  {
    flag: "metrics-port",
    env: "DIAGNOSE_METRICS_PORT",
    key: "metricsPort",
    kind: "int",
    default: "8080",
    min: 0,
    max: 65535,
    help: "port of /healthz, /readyz, /metrics",
  },
  {
    flag: "watch-namespaces",
    env: "DIAGNOSE_WATCH_NAMESPACES",
    key: "watchNamespaces",
    kind: "list",
    default: "",
    help: "comma-separated namespaces whose Pods are watched (empty: all)",
  },
  {
    flag: "auto-trigger",
    env: "DIAGNOSE_AUTO_TRIGGER",
    key: "autoTrigger",
    kind: "bool",
    default: "true",
    help: "create a Diagnosis when a container restarts with exit 137 / OOMKilled",
  },
  {
    flag: "auto-namespace-selector",
    env: "DIAGNOSE_AUTO_NAMESPACE_SELECTOR",
    key: "autoNamespaceSelector",
    kind: "selector",
    default: "",
    help: "label selector on Namespaces for the automatic trigger (empty: all)",
  },
  {
    flag: "cooldown-seconds",
    env: "DIAGNOSE_COOLDOWN_SECONDS",
    key: "cooldownSeconds",
    kind: "int",
    default: "600",
    min: 0,
    help: "one automatic Diagnosis per workload per this many seconds",
  },
  {
    flag: "max-jobs-per-node",
    env: "DIAGNOSE_MAX_JOBS_PER_NODE",
    key: "maxJobsPerNode",
    kind: "int",
    default: "1",
    min: 1,
    help: "concurrent collector Jobs per node",
  },
  {
    flag: "max-jobs",
    env: "DIAGNOSE_MAX_JOBS",
    key: "maxJobs",
    kind: "int",
    default: "10",
    min: 1,
    help: "concurrent collector Jobs in the cluster",
  },
  {
    flag: "max-open-per-namespace",
    env: "DIAGNOSE_MAX_OPEN_PER_NAMESPACE",
    key: "maxOpenPerNamespace",
    kind: "int",
    default: "20",
    min: 1,
    help: "unfinished Diagnoses one namespace may have; a new one beyond it fails",
  },
  {
    flag: "max-queued-seconds",
    env: "DIAGNOSE_MAX_QUEUED_SECONDS",
    key: "maxQueuedSeconds",
    kind: "int",
    default: "600",
    min: 1,
    help: "a Diagnosis waiting longer for a collector slot fails",
  },
  {
    flag: "leader-elect",
    env: "DIAGNOSE_LEADER_ELECT",
    key: "leaderElect",
    kind: "bool",
    default: "true",
    help: "elect a leader over a Lease before reconciling",
  },
  {
    flag: "lease-name",
    env: "DIAGNOSE_LEASE_NAME",
    key: "leaseName",
    kind: "dns-label",
    default: "diagnose-operator",
    help: "name of the leader-election Lease",
  },
  {
    flag: "lease-duration-seconds",
    env: "DIAGNOSE_LEASE_DURATION_SECONDS",
    key: "leaseDurationSeconds",
    kind: "int",
    default: "15",
    min: 1,
    help: "how long a non-renewed lease stays valid",
  },
  {
    flag: "renew-deadline-seconds",
    env: "DIAGNOSE_RENEW_DEADLINE_SECONDS",
    key: "renewDeadlineSeconds",
    kind: "int",
    default: "10",
    min: 1,
    help: "the leader gives up if it cannot renew within this",
  },
  {
    flag: "retry-period-seconds",
    env: "DIAGNOSE_RETRY_PERIOD_SECONDS",
    key: "retryPeriodSeconds",
    kind: "int",
    default: "2",
    min: 1,
    help: "interval between acquire/renew attempts",
  },
  {
    flag: "request-timeout-seconds",
    env: "DIAGNOSE_REQUEST_TIMEOUT_SECONDS",
    key: "requestTimeoutSeconds",
    kind: "int",
    default: "30",
    min: 1,
    max: 600,
    help: "deadline of every request to the apiserver (of each page of a list)",
  },
  {
    flag: "watch-idle-timeout-seconds",
    env: "DIAGNOSE_WATCH_IDLE_TIMEOUT_SECONDS",
    key: "watchIdleTimeoutSeconds",
    kind: "int",
    default: "45",
    min: 4,
    max: 3600,
    help: "restart a watch that delivers no event or bookmark for this long (its connection is dead)",
  },
  {
    flag: "cache-sync-timeout-seconds",
    env: "DIAGNOSE_CACHE_SYNC_TIMEOUT_SECONDS",
    key: "cacheSyncTimeoutSeconds",
    kind: "int",
    default: "120",
    min: 1,
    help: "a leader whose caches have not synced this long after start releases the Lease and exits",
  },
  {
    flag: "ttl-seconds-after-finished",
    env: "DIAGNOSE_TTL_SECONDS_AFTER_FINISHED",
    key: "ttlSecondsAfterFinished",
    kind: "int",
    default: "604800",
    min: 0,
    help: "delete a finished Diagnosis this long after it finished, unless its spec.ttlSecondsAfterFinished says otherwise (0: keep them)",
  },
  {
    flag: "log-level",
    env: "DIAGNOSE_LOG_LEVEL",
    key: "logLevel",
    kind: "log-level",
    default: "info",
    help: `log level (${LOG_LEVELS.join(", ")})`,
  },
];

export type ConfigParseResult =
  | { kind: "config"; config: OperatorConfig }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

export interface HostFacts {
  hostname: string;
  pid: number;
}

export function operatorHelpText(): string {
  const lines = [
    "Usage: diagnose-operator [flags]",
    "",
    "Runs the Diagnosis controller and the automatic exit-137 trigger. Reads KUBECONFIG or the",
    "in-cluster config. Every flag can also be set through the environment variable shown.",
    "",
  ];
  for (const o of OPTIONS) {
    const value = o.kind === "bool" ? "[=true|false]" : " <value>";
    lines.push(`  --${o.flag}${value}`);
    lines.push(`      ${o.help} (env ${o.env}, default ${o.default === "" ? '""' : o.default})`);
  }
  lines.push(
    "  --help",
    "      print this text",
    "  --version",
    "      print the version",
    "",
    "Lease holder identity: POD_NAME, else <hostname>_<pid>.",
  );
  return `${lines.join("\n")}\n`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const TOLERATION_KEYS = new Set(["key", "operator", "value", "effect", "tolerationSeconds"]);

/** A JSON array of core/v1 Tolerations, checked field by field so a typo fails at start-up. */
function parseTolerations(raw: string, where: string): { value: unknown } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { error: `${where}: not JSON: ${raw}` };
  }
  if (!Array.isArray(parsed)) return { error: `${where}: must be a JSON array of tolerations` };
  for (const [i, t] of parsed.entries()) {
    if (typeof t !== "object" || t === null || Array.isArray(t))
      return { error: `${where}: item ${i} is not an object` };
    const unknown = Object.keys(t).filter((k) => !TOLERATION_KEYS.has(k));
    if (unknown.length)
      return { error: `${where}: item ${i} has unknown field(s) ${unknown.join(", ")}` };
    const { operator, effect, tolerationSeconds } = t as Record<string, unknown>;
    if (operator !== undefined && operator !== "Exists" && operator !== "Equal")
      return { error: `${where}: item ${i}: operator must be Exists or Equal` };
    if (
      effect !== undefined &&
      !["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(String(effect))
    )
      return {
        error: `${where}: item ${i}: effect must be NoSchedule, PreferNoSchedule or NoExecute`,
      };
    if (tolerationSeconds !== undefined && !Number.isInteger(tolerationSeconds))
      return { error: `${where}: item ${i}: tolerationSeconds must be an integer` };
  }
  return { value: parsed };
}

function convert(
  o: OptionSpec,
  raw: string,
  source: string,
): { value: unknown } | { error: string } {
  const where = `${source} (${o.kind === "bool" ? "true or false" : o.kind})`;
  switch (o.kind) {
    case "tolerations":
      return parseTolerations(raw, where);
    case "string":
      return { value: raw };
    case "int": {
      if (!/^-?[0-9]+$/.test(raw.trim())) return { error: `${where}: "${raw}" is not an integer` };
      const n = Number.parseInt(raw, 10);
      if (o.min !== undefined && n < o.min) return { error: `${where}: ${n} is below ${o.min}` };
      if (o.max !== undefined && n > o.max) return { error: `${where}: ${n} is above ${o.max}` };
      return { value: n };
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (v === "true" || v === "1" || v === "yes") return { value: true };
      if (v === "false" || v === "0" || v === "no") return { value: false };
      return { error: `${where}: "${raw}" is not a boolean` };
    }
    case "names": {
      const items = raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      const bad = items.find((s) => !DNS_SUBDOMAIN.test(s) || s.length > 253);
      if (bad !== undefined) return { error: `${where}: "${bad}" is not an object name` };
      return { value: [...new Set(items)] };
    }
    case "list": {
      const items = raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      const bad = items.find((s) => !DNS_LABEL.test(s));
      if (bad !== undefined) return { error: `${where}: "${bad}" is not a namespace name` };
      return { value: [...new Set(items)] };
    }
    case "quantity":
      // A resource limit: any Kubernetes quantity that is not negative.
      return (parseQuantity(raw) ?? -1) >= 0
        ? { value: raw.trim() }
        : { error: `${where}: "${raw}" is not a resource quantity` };
    case "dns-label":
      return DNS_LABEL.test(raw) && raw.length <= 63
        ? { value: raw }
        : {
            error: `${where}: "${raw}" is not a DNS-1123 label (lowercase alphanumerics and '-', at most 63)`,
          };
    case "selector": {
      const s = raw.trim();
      if (s === "") return { value: "" };
      const bad = invalidSelectorTerm(s);
      return bad === undefined
        ? { value: s }
        : { error: `${where}: "${bad}" is not a label selector requirement` };
    }
    case "log-level":
      return (LOG_LEVELS as readonly string[]).includes(raw)
        ? { value: raw }
        : { error: `${where}: "${raw}" is not one of ${LOG_LEVELS.join(", ")}` };
  }
}

export function parseOperatorConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  host: HostFacts,
): ConfigParseResult {
  const byFlag = new Map(OPTIONS.map((o) => [o.flag, o]));
  const fromFlags = new Map<OptionSpec, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return { kind: "help", text: operatorHelpText() };
    if (arg === "--version") return { kind: "version" };
    if (!arg.startsWith("--"))
      return { kind: "error", message: `unexpected argument "${arg}" (see --help)` };
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const o = byFlag.get(name);
    if (!o) return { kind: "error", message: `unknown flag --${name} (see --help)` };
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else if (o.kind === "bool") {
      // A bare boolean flag means true; an explicit next "true"/"false" is consumed.
      const next = argv[i + 1];
      if (next !== undefined && /^(true|false)$/i.test(next)) {
        value = next;
        i++;
      } else {
        value = "true";
      }
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--"))
        return { kind: "error", message: `flag --${name} needs a value` };
      value = next;
      i++;
    }
    fromFlags.set(o, value);
  }

  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const flagValue = fromFlags.get(o);
    const envValue = env[o.env];
    const [raw, source] =
      flagValue !== undefined
        ? [flagValue, `--${o.flag}`]
        : envValue !== undefined && envValue !== ""
          ? [envValue, o.env]
          : [o.default, `default of --${o.flag}`];
    const converted = convert(o, raw, source);
    if ("error" in converted) return { kind: "error", message: converted.error };
    out[o.key] = converted.value;
  }
  const config = out as Omit<OperatorConfig, "identity"> as OperatorConfig;
  const podName = env.POD_NAME?.trim();
  config.identity = podName ? podName : `${host.hostname}_${host.pid}`;

  // Same invariants client-go's leader election enforces.
  if (config.leaseDurationSeconds <= config.renewDeadlineSeconds) {
    return {
      kind: "error",
      message: "--lease-duration-seconds must be greater than --renew-deadline-seconds",
    };
  }
  if (config.renewDeadlineSeconds <= config.retryPeriodSeconds * 1.2) {
    return {
      kind: "error",
      message: "--renew-deadline-seconds must be greater than 1.2 x --retry-period-seconds",
    };
  }
  if (config.maxJobsPerNode > config.maxJobs) {
    return { kind: "error", message: "--max-jobs-per-node must not exceed --max-jobs" };
  }
  return { kind: "config", config };
}
