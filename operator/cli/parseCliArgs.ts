/**
 * kubectl-diagnose command line -> a typed command, help text, or a usage error. Pure.
 * Follows kubectl conventions: -n/--namespace, --kubeconfig, --context, -o json|yaml.
 */
import { parseArgs } from "node:util";
import { ALL_CHECKS, type CheckName } from "../api/v1alpha1/diagnosis.js";
import { parseDurationSeconds } from "./parseDuration.js";

export interface GlobalOptions {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  /** undefined: colour when stdout is a terminal. */
  color?: boolean;
}

export type OutputFormat = "report" | "json" | "yaml" | "name";

export interface CreateCommand {
  kind: "create";
  target: { pod: string; container?: string } | { node: string };
  /** Explicit name; otherwise generateName from the target. */
  name?: string;
  checks?: CheckName[];
  profile?: { durationSeconds: number; frequency?: number; kernelThread?: string };
  timeoutSeconds?: number;
  wait: boolean;
  output: OutputFormat;
}

export interface GetCommand {
  kind: "get";
  name: string;
  wait: boolean;
  output: OutputFormat;
}

export interface FlamegraphCommand {
  kind: "flamegraph";
  name: string;
  /** File path, or "-" for stdout. */
  outFile: string;
}

export interface ReportCommand {
  kind: "report";
  /** The Diagnosis; optional with --from-file when the file holds exactly one. */
  name?: string;
  /** A saved `kubectl get diag -o json` (one Diagnosis or a List) instead of the cluster. */
  fromFile?: string;
  /** Another Diagnosis (or saved file) whose profile the page compares against. */
  baseline?: string;
  baselineFile?: string;
  /** HTML file to write ("-" for stdout). */
  outFile: string;
}

export type CliCommand = (CreateCommand | GetCommand | FlamegraphCommand | ReportCommand) & {
  global: GlobalOptions;
  /** Give up waiting after this long (seconds); default timeoutSeconds + 60. */
  waitTimeoutSeconds?: number;
};

export type CliParseResult =
  | { kind: "command"; command: CliCommand }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

export const USAGE = `kubectl diagnose: run a Diagnosis on a pod or node and read its findings.

Usage:
  kubectl diagnose pod NAME [-c CONTAINER] [--checks memory,jvm,...] [--profile 30s] [--wait]
  kubectl diagnose node NAME [--checks softirq,profile] [--profile 30s] [--kernel-thread ksoftirqd] [--wait]
  kubectl diagnose get NAME [--wait] [-o json|yaml]
  kubectl diagnose flamegraph NAME -o out.svg
  kubectl diagnose report NAME -o report.html [--baseline OTHER]
  kubectl diagnose report [NAME] --from-file diagnosis.json -o report.html

Commands:
  pod NAME         create a Diagnosis of a pod in the namespace
  node NAME        create a Diagnosis of a node (node-level checks: softirq, profile, network)
  get NAME         show a Diagnosis: verdict and findings
  flamegraph NAME  write the profile's flame graph (SVG) from the Diagnosis status
  report NAME      write the Diagnosis as one self-contained HTML page: verdict, findings with
                   evidence and fixes, memory against the limit, restarts, check timings and
                   the interactive flame graph (opens from a file, no network needed)

Options for pod and node:
  -c, --container NAME       container in the pod (default: the last terminated one, else the first)
      --checks LIST          comma list of ${ALL_CHECKS.join(", ")} (default: all but profile)
      --profile DURATION     add a perf profile of this length (e.g. 30s; at most 120s); the
                             timeout grows to fit it
      --profile-frequency HZ perf sampling frequency (default 99)
      --kernel-thread NAME   profile kernel threads whose name starts with NAME (e.g. ksoftirqd)
      --timeout DURATION     deadline for the collector Job (default 120s)
      --name NAME            name the Diagnosis (default: generated from the target)

Options for pod, node and get:
  -w, --wait                 follow progress until Succeeded or Failed, then show the report
      --wait-timeout DURATION  stop waiting after this long (default: the Diagnosis timeout + 60s)
  -o, --output FORMAT        json, yaml or name (default: a report for a person)

Options for flamegraph:
  -o, --output FILE          SVG file to write ("-" for stdout)

Options for report:
  -o, --output FILE          HTML file to write ("-" for stdout)
      --from-file PATH       read a saved 'kubectl get diag -o json' instead of the cluster
      --baseline NAME        also draw a differential flame graph against this Diagnosis' profile
      --baseline-file PATH   the same, from a saved Diagnosis

Global options:
  -n, --namespace NAME       namespace (default: the kubeconfig context's, else "default")
      --kubeconfig PATH      kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME         kubeconfig context
      --color, --no-color    colour the report (default: when stdout is a terminal)
  -h, --help                 this text
      --version              print the plugin version

Exit codes:
  0  done (with --wait or get: the Diagnosis Succeeded, or is still in progress without --wait)
  1  the Diagnosis Failed
  2  usage error
  3  error from the cluster (not found, forbidden, invalid, unreachable) or unavailable feature
  4  --wait gave up before the Diagnosis finished
`;

const POD_ONLY_CHECKS: readonly CheckName[] = ["memory", "jvm", "cpu"];
/** The CRD's default spec.timeoutSeconds. */
const DEFAULT_TIMEOUT_SECONDS = 120;
/** Collector start-up and the other checks around a profile. */
const PROFILE_MARGIN_SECONDS = 60;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const OPTIONS = {
  namespace: { type: "string", short: "n" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  container: { type: "string", short: "c" },
  checks: { type: "string" },
  profile: { type: "string" },
  "profile-frequency": { type: "string" },
  "kernel-thread": { type: "string" },
  timeout: { type: "string" },
  name: { type: "string" },
  wait: { type: "boolean", short: "w" },
  "wait-timeout": { type: "string" },
  output: { type: "string", short: "o" },
  "from-file": { type: "string" },
  baseline: { type: "string" },
  "baseline-file": { type: "string" },
  color: { type: "boolean" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

/** Options each command accepts beyond the global ones. */
const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  pod: [
    "container",
    "checks",
    "profile",
    "profile-frequency",
    "timeout",
    "name",
    "wait",
    "wait-timeout",
    "output",
  ],
  node: [
    "checks",
    "profile",
    "profile-frequency",
    "kernel-thread",
    "timeout",
    "name",
    "wait",
    "wait-timeout",
    "output",
  ],
  get: ["wait", "wait-timeout", "output"],
  flamegraph: ["output"],
  report: ["output", "from-file", "baseline", "baseline-file"],
};
const GLOBAL: readonly (keyof typeof OPTIONS)[] = [
  "namespace",
  "kubeconfig",
  "context",
  "color",
  "no-color",
  "help",
  "version",
];

function fail(message: string): CliParseResult {
  return { kind: "error", message: `${message}\nSee 'kubectl diagnose --help'.` };
}

function parseOutput(raw: string | undefined): OutputFormat | undefined {
  if (raw === undefined) return "report";
  return raw === "json" || raw === "yaml" || raw === "name" ? raw : undefined;
}

export function parseCliArgs(argv: readonly string[]): CliParseResult {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return fail((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.version) return { kind: "version" };
  const [sub, name, ...extra] = positionals;
  if (v.help || sub === undefined || sub === "help") return { kind: "help", text: USAGE };
  if (!(sub in ALLOWED)) return fail(`unknown command "${sub}"`);
  const allowed = new Set([...(ALLOWED[sub] ?? []), ...GLOBAL]);
  const stray = (Object.keys(v) as (keyof typeof OPTIONS)[]).find((k) => !allowed.has(k));
  if (stray) return fail(`--${stray} does not apply to "${sub}"`);
  if (name === undefined && !(sub === "report" && v["from-file"] !== undefined))
    return fail(`"${sub}" needs a NAME`);
  if (extra.length > 0) return fail(`unexpected argument "${extra[0]}"`);
  if (v.color && v["no-color"]) return fail("--color and --no-color contradict each other");
  if (v.namespace !== undefined && !DNS_LABEL.test(v.namespace))
    return fail(`invalid namespace "${v.namespace}"`);

  const global: GlobalOptions = {};
  if (v.namespace !== undefined) global.namespace = v.namespace;
  if (v.kubeconfig !== undefined) global.kubeconfig = v.kubeconfig;
  if (v.context !== undefined) global.context = v.context;
  if (v.color) global.color = true;
  if (v["no-color"]) global.color = false;

  let waitTimeoutSeconds: number | undefined;
  if (v["wait-timeout"] !== undefined) {
    waitTimeoutSeconds = parseDurationSeconds(v["wait-timeout"]);
    if (waitTimeoutSeconds === undefined || waitTimeoutSeconds < 1)
      return fail(`invalid --wait-timeout "${v["wait-timeout"]}" (e.g. 5m)`);
  }
  const common = waitTimeoutSeconds === undefined ? { global } : { global, waitTimeoutSeconds };

  if (sub === "report") {
    if (v.output === undefined) return fail("report needs -o FILE (or -o - for stdout)");
    if (name !== undefined && (!DNS_SUBDOMAIN.test(name) || name.length > 253))
      return fail(`invalid Diagnosis name "${name}"`);
    if (v.baseline !== undefined && v["baseline-file"] !== undefined)
      return fail("--baseline and --baseline-file exclude each other");
    if (v.baseline !== undefined && v["from-file"] !== undefined)
      return fail("with --from-file, give the baseline as --baseline-file");
    if (v.baseline !== undefined && !DNS_SUBDOMAIN.test(v.baseline))
      return fail(`invalid --baseline "${v.baseline}"`);
    const report: ReportCommand = { kind: "report", outFile: v.output };
    if (name !== undefined) report.name = name;
    if (v["from-file"] !== undefined) report.fromFile = v["from-file"];
    if (v.baseline !== undefined) report.baseline = v.baseline;
    if (v["baseline-file"] !== undefined) report.baselineFile = v["baseline-file"];
    return { kind: "command", command: { ...report, ...common } };
  }
  if (name === undefined) return fail(`"${sub}" needs a NAME`);
  if (sub === "flamegraph") {
    if (v.output === undefined) return fail("flamegraph needs -o FILE (or -o - for stdout)");
    return { kind: "command", command: { kind: "flamegraph", name, outFile: v.output, ...common } };
  }
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253)
    return fail(`invalid ${sub === "get" ? "Diagnosis" : sub} name "${name}"`);
  const output = parseOutput(v.output);
  if (output === undefined) return fail(`invalid --output "${v.output}": use json, yaml or name`);
  const wait = v.wait ?? false;
  if (sub === "get")
    return { kind: "command", command: { kind: "get", name, wait, output, ...common } };

  const create: CreateCommand = {
    kind: "create",
    target: sub === "pod" ? { pod: name } : { node: name },
    wait,
    output,
  };
  if (v.container !== undefined) {
    if (!DNS_LABEL.test(v.container)) return fail(`invalid container name "${v.container}"`);
    create.target = { pod: name, container: v.container };
  }
  if (v.name !== undefined) {
    if (!DNS_SUBDOMAIN.test(v.name)) return fail(`invalid --name "${v.name}"`);
    create.name = v.name;
  }
  if (v.checks !== undefined) {
    const checks = [
      ...new Set(
        v.checks
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
      ),
    ];
    const bad = checks.find((c) => !(ALL_CHECKS as readonly string[]).includes(c));
    if (bad !== undefined) return fail(`unknown check "${bad}": use ${ALL_CHECKS.join(", ")}`);
    if (checks.length === 0) return fail("--checks needs at least one check");
    create.checks = checks as CheckName[];
  }
  if (v.profile !== undefined) {
    const seconds = parseDurationSeconds(v.profile);
    if (seconds === undefined || seconds < 1 || seconds > 120)
      return fail(`invalid --profile "${v.profile}": a duration from 1s to 120s`);
    create.profile = { durationSeconds: seconds };
  }
  if (v["profile-frequency"] !== undefined || v["kernel-thread"] !== undefined) {
    if (!create.profile) return fail("--profile-frequency and --kernel-thread need --profile");
    if (v["profile-frequency"] !== undefined) {
      const hz = Number(v["profile-frequency"]);
      if (!Number.isInteger(hz) || hz < 1 || hz > 999)
        return fail(`invalid --profile-frequency "${v["profile-frequency"]}": 1 to 999`);
      create.profile.frequency = hz;
    }
    if (v["kernel-thread"] !== undefined) {
      if (!/^[A-Za-z0-9_/:.-]{1,64}$/.test(v["kernel-thread"]))
        return fail(`invalid --kernel-thread "${v["kernel-thread"]}"`);
      create.profile.kernelThread = v["kernel-thread"];
    }
  }
  // spec.profile alone turns the profile check on; with an explicit list, list it too.
  if (create.profile && create.checks && !create.checks.includes("profile"))
    create.checks.push("profile");
  if (sub === "node") {
    const podOnly = (create.checks ?? []).filter((c) => POD_ONLY_CHECKS.includes(c));
    if (podOnly.length > 0)
      return fail(
        `checks ${podOnly.join(", ")} need a pod target; a node runs network, softirq and profile`,
      );
  }
  if (v.timeout !== undefined) {
    const seconds = parseDurationSeconds(v.timeout);
    if (seconds === undefined || seconds < 10 || seconds > 3600)
      return fail(`invalid --timeout "${v.timeout}": a duration from 10s to 1h`);
    create.timeoutSeconds = seconds;
  }
  // The Job's deadline must outlast perf: the CRD requires profile < timeout.
  if (create.profile) {
    const needed = create.profile.durationSeconds + PROFILE_MARGIN_SECONDS;
    if (create.timeoutSeconds === undefined && needed > DEFAULT_TIMEOUT_SECONDS)
      create.timeoutSeconds = needed;
    else if (
      create.timeoutSeconds !== undefined &&
      create.profile.durationSeconds >= create.timeoutSeconds
    )
      return fail(
        `--profile ${create.profile.durationSeconds}s must be shorter than --timeout ${create.timeoutSeconds}s`,
      );
  }
  return { kind: "command", command: { ...create, ...common } };
}
