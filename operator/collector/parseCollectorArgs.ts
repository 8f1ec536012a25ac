import type { CheckName } from "../api/v1alpha1/diagnosis.js";
import { REPORT_TOKEN_PATTERN } from "../report/reportLine.js";

export interface CollectorArgs {
  target: { pid: number } | { containerId: string } | { node: true };
  /** undefined = every implemented default check for the target's scope. */
  checks?: CheckName[];
  json: boolean;
  sampleSeconds: number;
  profile?: { seconds: number; frequency: number; pid?: number; kernelThread?: string };
  procRoot: string;
  sysRoot: string;
  kmsgPath: string;
  /** Where to write the compact findings for the kubelet's termination message (in a Job). */
  terminationMessagePath?: string;
  /** The Job's report token: the report line carries it (operator/report/reportLine.ts). */
  reportToken?: string;
  /** Report with what is collected by then, and exit, this long after the start. */
  deadlineSeconds?: number;
  /** Where to write the report page (one self-contained HTML file). */
  htmlPath?: string;
}

export type ParsedArgs =
  | { kind: "run"; args: CollectorArgs }
  | { kind: "help" }
  | { kind: "version" };

export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `Usage: diagnose-collector (--pid N | --container-id ID | --node) [options]

Diagnoses a container's processes on this host: OOM kills, JVM heap vs the memory limit,
CPU throttling, and (with other checks) packet loss and softirq load.

Target (exactly one):
  --pid N                 any process of the target container
  --container-id ID       container id (64 or at least 12 hex digits; containerd://, cri-o://,
                          docker:// prefixes accepted), found through /proc/*/cgroup
  --node                  node-level checks (softirq, profile, the host's network), no target

Options:
  --checks a,b,...        checks to run (default: every implemented default check for the target)
  --json                  print the full report as one JSON object on the last line of stdout
  --html FILE             also write the report as one self-contained HTML page (findings,
                          memory against the limit, the flame graph with search and zoom)
  --sample-seconds S      sampling window for rate checks (default 2; 0 = no sampling)
  --profile-seconds S     perf recording length for the profile check (default 30)
  --profile-frequency HZ  perf sampling frequency (default 99)
  --profile-pid N         profile only this pid
  --profile-kernel-thread NAME  profile only kernel threads whose name starts with NAME
  --proc-root DIR         procfs root (default /proc)
  --sys-root DIR          sysfs root (default /sys)
  --kmsg PATH             kernel log device or a recorded log (default /dev/kmsg)
  --termination-message-path PATH
                          also write compact findings (gzip+base64, <= 4 KiB) there, for the
                          container's termination message when the pod log is gone
  --report-token TOKEN    with --json, print the report line as "diagnose-report/v1 TOKEN <json>"
                          (the operator accepts only its Job's token); also in the compact findings
  --deadline-seconds S    report what is collected by S seconds after the start and exit
                          (default: the longest check's timeout plus a margin)
  -h, --help              this text
  --version               the collector version

Progress goes to stderr, one line per message, control characters replaced. Exit status: 0 when
the diagnosis ran (whatever it found), 2 on bad arguments, 3 when the target does not exist,
4 when the deadline passed before a report, 1 on an unexpected failure.`;

function positiveInt(flag: string, v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) <= 0) {
    throw new UsageError(
      `${flag} needs a positive integer, got ${v === undefined ? "nothing" : `"${v}"`}`,
    );
  }
  return Number(v);
}

function nonNegative(flag: string, v: string | undefined): number {
  const n = v === undefined ? Number.NaN : Number(v);
  if (!/^\d+(\.\d+)?$/.test(v ?? "") || !Number.isFinite(n)) {
    throw new UsageError(
      `${flag} needs a number of seconds >= 0, got ${v === undefined ? "nothing" : `"${v}"`}`,
    );
  }
  return n;
}

/** Pure: argv (without node and script) -> what to do. `known` is the list of valid check names. */
export function parseCollectorArgs(
  argv: readonly string[],
  known: readonly CheckName[],
): ParsedArgs {
  let pid: number | undefined;
  let containerId: string | undefined;
  let node = false;
  let checks: CheckName[] | undefined;
  let json = false;
  let sampleSeconds = 2;
  const profile: { seconds: number; frequency: number; pid?: number; kernelThread?: string } = {
    seconds: 30,
    frequency: 99,
  };
  let procRoot = "/proc";
  let sysRoot = "/sys";
  let kmsgPath = "/dev/kmsg";
  let terminationMessagePath: string | undefined;
  let reportToken: string | undefined;
  let deadlineSeconds: number | undefined;
  let htmlPath: string | undefined;

  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string | undefined => (eq > 0 ? raw.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "--version":
        return { kind: "version" };
      case "--pid":
        pid = positiveInt("--pid", value());
        break;
      case "--container-id": {
        const v = value();
        if (!v) throw new UsageError("--container-id needs an id");
        containerId = v;
        break;
      }
      case "--node":
        node = true;
        break;
      case "--checks": {
        const v = value();
        if (!v) throw new UsageError("--checks needs a comma-separated list");
        const names = v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = names.filter((n) => !known.includes(n as CheckName));
        if (bad.length > 0) {
          throw new UsageError(
            `unknown check(s) ${bad.join(", ")}; implemented: ${known.join(", ")}`,
          );
        }
        checks = [...new Set(names as CheckName[])];
        break;
      }
      case "--json":
        json = true;
        break;
      case "--sample-seconds":
        sampleSeconds = nonNegative("--sample-seconds", value());
        break;
      case "--profile-seconds":
        profile.seconds = positiveInt("--profile-seconds", value());
        break;
      case "--profile-frequency":
        profile.frequency = positiveInt("--profile-frequency", value());
        break;
      case "--profile-pid":
        profile.pid = positiveInt("--profile-pid", value());
        break;
      case "--profile-kernel-thread": {
        const v = value();
        if (!v || !/^[A-Za-z0-9_/:.-]+$/.test(v))
          throw new UsageError("--profile-kernel-thread needs a thread name prefix");
        profile.kernelThread = v;
        break;
      }
      case "--html": {
        const v = value();
        if (!v) throw new UsageError("--html needs a file path");
        htmlPath = v;
        break;
      }
      case "--termination-message-path": {
        const v = value();
        if (!v) throw new UsageError("--termination-message-path needs a path");
        terminationMessagePath = v;
        break;
      }
      case "--report-token": {
        const v = value();
        // Checked here so a malformed token is a usage error, not a report nobody accepts.
        if (!v || !REPORT_TOKEN_PATTERN.test(v))
          throw new UsageError("--report-token needs 16-128 characters of [A-Za-z0-9_-]");
        reportToken = v;
        break;
      }
      case "--deadline-seconds":
        deadlineSeconds = positiveInt("--deadline-seconds", value());
        break;
      case "--proc-root":
      case "--sys-root":
      case "--kmsg": {
        const v = value();
        if (!v) throw new UsageError(`${flag} needs a path`);
        if (flag === "--proc-root") procRoot = v;
        else if (flag === "--sys-root") sysRoot = v;
        else kmsgPath = v;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${raw}"`);
    }
  }
  const targets = [pid !== undefined, containerId !== undefined, node].filter(Boolean).length;
  if (targets !== 1) {
    throw new UsageError("give exactly one of --pid N, --container-id ID or --node");
  }
  const target =
    pid !== undefined
      ? { pid }
      : containerId !== undefined
        ? { containerId }
        : { node: true as const };
  const args: CollectorArgs = { target, json, sampleSeconds, procRoot, sysRoot, kmsgPath };
  if (checks) args.checks = checks;
  if (terminationMessagePath) args.terminationMessagePath = terminationMessagePath;
  if (reportToken) args.reportToken = reportToken;
  if (deadlineSeconds !== undefined) args.deadlineSeconds = deadlineSeconds;
  if (htmlPath) args.htmlPath = htmlPath;
  args.profile = profile;
  return { kind: "run", args };
}
