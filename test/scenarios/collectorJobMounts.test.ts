/**
 * The collector as its Job runs it: the container spec buildCollectorJob makes is turned into real
 * mounts in a private mount namespace (unshare -m, nothing leaks to the host): the root remounted
 * read-only (readOnlyRootFilesystem), /sys read-only (the hostPath mount), /tmp a size-capped tmpfs
 * when the Job has its emptyDir, the container's env (TMPDIR), its argv (report token, deadline),
 * and the termination message in a directory of its own. Then the real profile check runs perf.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { V1Job } from "@kubernetes/client-node";
import { expect } from "chai";
import { parseQuantity } from "../../operator/analysis/parseQuantity.js";
import {
  buildCollectorJob,
  collectorCommand,
  collectorDeadlineSeconds,
  newReportToken,
} from "../../operator/controller/jobs/collectorJob.js";
import type { CollectorReport } from "../../operator/report/collectorReport.js";
import type { ProfileEvidence } from "../../operator/report/evidence/profileEvidence.js";
import { findReportLine } from "../../operator/report/reportLine.js";
import { decodeTerminationMessage } from "../../operator/report/terminationMessage.js";
import { repoRoot } from "../support/repoRoot.js";
import { type CommandResult, runCommand } from "../support/runCommand.js";

// Fixed script; every value comes in as an argument: $1 the termination-log directory, $2 the
// /tmp tmpfs size in bytes ("" = no emptyDir at /tmp), $3 the repository, $4 the directory of the
// node binary, then the command (run from the repository). The repository and node are bound
// under /mnt first: a checkout under /tmp would vanish beneath the Job's /tmp.
const JOB_MOUNTS = [
  "set -e",
  "mount -t tmpfs -o size=1m tmpfs /mnt",
  "mkdir /mnt/term /mnt/repo /mnt/node",
  'mount --bind "$1" /mnt/term',
  'mount --bind "$3" /mnt/repo',
  'mount --bind "$4" /mnt/node',
  "mount -o remount,bind,ro /",
  "mount -o remount,bind,ro /sys",
  'if [ -n "$2" ]; then mount -t tmpfs -o size="$2" tmpfs /tmp; fi',
  "cd /mnt/repo",
  "shift 4",
  'exec "$@"',
].join("\n");

interface JobRun {
  run: CommandResult;
  token: string;
  terminationLog: string;
}

/** Runs the Job's collector container (its command, env and mounts) on this host. */
async function runAsJob(job: V1Job, token: string): Promise<JobRun> {
  const spec = job.spec!.template.spec!;
  const c = spec.containers[0]!;
  expect(c.securityContext?.readOnlyRootFilesystem).to.equal(true);
  const tmpMount = c.volumeMounts?.find((m) => m.mountPath === "/tmp");
  const tmpVolume = spec.volumes?.find((v) => v.name === tmpMount?.name);
  const tmpBytes = tmpVolume?.emptyDir?.sizeLimit
    ? String(parseQuantity(tmpVolume.emptyDir.sizeLimit))
    : "";
  // The profile check needs no host /sys (CHECK_ACCESS); a container's own /sys is read-only
  // unless it is privileged, which the collector never is: JOB_MOUNTS remounts it so.
  expect(c.volumeMounts?.some((m) => m.mountPath === "/sys")).to.equal(false);
  expect(c.securityContext?.privileged).to.equal(undefined);
  // The kubelet mounts the termination-message file; here it is a directory of the test's.
  const dir = mkdtempSync("/tmp/dgn-jobmounts-");
  const argv = [...(c.command ?? [])].slice(1);
  const i = argv.indexOf("--termination-message-path");
  argv[i + 1] = "/mnt/term/termination-log";
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: "/root" };
  for (const e of c.env ?? []) env[e.name] = e.value;
  const run = await runCommand(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "--",
      "sh",
      "-c",
      JOB_MOUNTS,
      "sh",
      dir,
      tmpBytes,
      repoRoot,
      dirname(process.execPath),
      `/mnt/node/${basename(process.execPath)}`,
      "--import",
      "tsx",
      "operator/collector/main.ts",
      ...argv,
    ],
    { cwd: repoRoot, env, timeoutMs: 90_000 },
  );
  try {
    let terminationLog = "";
    try {
      terminationLog = readFileSync(`${dir}/termination-log`, "utf8");
    } catch {
      // not written
    }
    return { run, token, terminationLog };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function profileJob(token: string): V1Job {
  const activeDeadlineSeconds = 60;
  return buildCollectorJob({
    namespace: "diagnose-system",
    name: "diag-profile-0a1b2c3d",
    labels: {},
    image: "diagnose-operator:test",
    serviceAccount: "diagnose-collector",
    nodeName: "this-host",
    command: collectorCommand({
      target: { node: "this-host" },
      checks: ["profile"],
      profile: { durationSeconds: 2, frequency: 99 },
      reportToken: token,
      deadlineSeconds: collectorDeadlineSeconds(activeDeadlineSeconds),
    }),
    checks: ["profile"],
    cpuRequest: "10m",
    memoryRequest: "64Mi",
    cpuLimit: "500m",
    memoryLimit: "256Mi",
    priorityClass: "",
    activeDeadlineSeconds,
    reportToken: token,
  });
}

describe("the collector Job's own mounts: read-only root, TMPDIR on a capped /tmp (real perf, mount namespace)", function () {
  this.timeout(120_000);

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it("the profile check records into $TMPDIR and reports, with the report token on its line and in its termination message", async () => {
    const token = newReportToken();
    const { run, terminationLog } = await runAsJob(profileJob(token), token);
    const why = `exit ${run.exitCode} ${run.signal ?? ""}; stderr: ${run.stderr.slice(-2000)}`;
    expect(run.killed, why).to.equal(false);
    expect(run.exitCode, why).to.equal(0);
    const found = findReportLine(run.stdout, token);
    if (!found.found) throw new Error(`${found.problem}; ${why}`);
    const report = found.json as CollectorReport;
    const profile = report.checks.profile!;
    expect(profile.status, JSON.stringify(profile).slice(0, 500)).to.equal("ok");
    const data = (profile as { data: ProfileEvidence }).data;
    expect(data.mode).to.equal("node");
    expect(data.samples).to.be.greaterThan(0);
    expect(decodeTerminationMessage(terminationLog, token).checks).to.deep.equal({ profile: "ok" });
  });

  it("without the Job's /tmp emptyDir the same collector cannot write perf.data: the root really is read-only", async () => {
    const token = newReportToken();
    const job = profileJob(token);
    const spec = job.spec!.template.spec!;
    spec.volumes = spec.volumes!.filter((v) => v.name !== "tmp");
    const c = spec.containers[0]!;
    c.volumeMounts = c.volumeMounts!.filter((m) => m.name !== "tmp");
    const { run } = await runAsJob(job, token);
    const found = findReportLine(run.stdout, token);
    if (!found.found) throw new Error(`${found.problem}; stderr: ${run.stderr.slice(-2000)}`);
    const profile = (found.json as CollectorReport).checks.profile!;
    expect(profile.status).to.equal("error");
    expect((profile as { reason: string }).reason).to.match(/EROFS|read-only/);
  });
});
