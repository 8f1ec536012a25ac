import { expect } from "chai";
import { ALL_CHECKS } from "../../../../operator/api/v1alpha1/diagnosis.js";
import { parseCollectorArgs } from "../../../../operator/collector/parseCollectorArgs.js";
import {
  accessFor,
  bareContainerId,
  baseJob,
  buildCollectorJob,
  collectorCommand,
  collectorDeadlineSeconds,
  collectorJobName,
  diagnosisLabels,
  labelValue,
  newReportToken,
  reportTokenOf,
  withCheckPrivileges,
  withPriorityClass,
} from "../../../../operator/controller/jobs/collectorJob.js";

const labels = diagnosisLabels({ namespace: "shop", name: "tomcat-oom", uid: "1111-2222" });
const input = {
  namespace: "diagnose-system",
  name: "diag-tomcat-oom-0a1b2c3d",
  labels,
  image: "ghcr.io/diagnose-dev/diagnose-operator:0.1.0",
  serviceAccount: "diagnose-collector",
  nodeName: "worker-3",
  command: ["diagnose-collector", "--container-id", "abc", "--checks", "memory,jvm", "--json"],
  checks: ["memory", "jvm"] as const,
  cpuRequest: "10m",
  memoryRequest: "64Mi",
  cpuLimit: "500m",
  memoryLimit: "256Mi",
  priorityClass: "",
  activeDeadlineSeconds: 120,
};

describe("collector Job", () => {
  it("names the Job deterministically within 63 characters", () => {
    const a = collectorJobName("tomcat-oom", "1111-2222");
    expect(a).to.match(/^diag-tomcat-oom-[0-9a-f]{8}$/);
    expect(collectorJobName("tomcat-oom", "1111-2222")).to.equal(a);
    expect(collectorJobName("tomcat-oom", "3333")).to.not.equal(a);
    const long = collectorJobName(`${"a".repeat(39)}.b.c${"d".repeat(200)}`, "u");
    expect(long.length).to.be.at.most(63);
    expect(long).to.match(/^diag-a{39}-[0-9a-f]{8}$/);
  });

  it("labels the Job with its Diagnosis; long names are cut and hashed", () => {
    expect(labels).to.deep.equal({
      "app.kubernetes.io/managed-by": "diagnose-operator",
      "diagnose.dev/diagnosis-namespace": "shop",
      "diagnose.dev/diagnosis-name": "tomcat-oom",
      "diagnose.dev/diagnosis-uid": "1111-2222",
    });
    const v = labelValue("x".repeat(100));
    expect(v.length).to.be.at.most(63);
    expect(v).to.not.equal(labelValue(`${"x".repeat(99)}y`));
  });

  it("builds the collector argv for pod and node targets", () => {
    expect(
      collectorCommand({
        target: { containerId: bareContainerId("containerd://abc123") },
        checks: ["memory", "jvm"],
      }),
    ).to.deep.equal([
      "diagnose-collector",
      "--container-id",
      "abc123",
      "--checks",
      "memory,jvm",
      "--json",
      "--termination-message-path",
      "/dev/termination-log",
    ]);
    expect(
      collectorCommand({
        target: { node: "worker-3" },
        checks: ["softirq", "profile"],
        profile: { durationSeconds: 30, frequency: 99, kernelThread: "ksoftirqd" },
      }),
    ).to.deep.equal([
      "diagnose-collector",
      "--node",
      "--checks",
      "softirq,profile",
      "--json",
      "--termination-message-path",
      "/dev/termination-log",
      "--profile-seconds",
      "30",
      "--profile-frequency",
      "99",
      "--profile-kernel-thread",
      "ksoftirqd",
    ]);
  });

  it("builds argv the collector's own parser accepts, for pod and node targets", () => {
    const pod = collectorCommand({
      target: { containerId: "0123456789abcdef0123" },
      checks: ["memory", "jvm", "network"],
    });
    const node = collectorCommand({
      target: { node: "worker-3" },
      checks: ["softirq", "profile"],
      profile: { durationSeconds: 30, frequency: 99, kernelThread: "ksoftirqd" },
    });
    for (const argv of [pod, node]) {
      const parsed = parseCollectorArgs(argv.slice(1), ALL_CHECKS);
      expect(parsed.kind, argv.join(" ")).to.equal("run");
      if (parsed.kind === "run")
        expect(parsed.args.terminationMessagePath).to.equal("/dev/termination-log");
    }
  });

  it("builds exactly the expected Job spec", () => {
    expect(buildCollectorJob(input)).to.deep.equal({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: input.name, namespace: "diagnose-system", labels },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 600,
        activeDeadlineSeconds: 120,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: "diagnose-collector",
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 5,
            nodeName: "worker-3",
            hostPID: true,
            tolerations: [{ operator: "Exists" }],
            volumes: [
              { name: "host-sys", hostPath: { path: "/sys", type: "Directory" } },
              { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
            ],
            containers: [
              {
                name: "collector",
                image: input.image,
                command: input.command,
                terminationMessagePath: "/dev/termination-log",
                terminationMessagePolicy: "File",
                securityContext: {
                  runAsUser: 0,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  capabilities: {
                    drop: ["ALL"],
                    add: ["DAC_READ_SEARCH", "SYSLOG", "SYS_PTRACE"],
                  },
                  seccompProfile: { type: "Unconfined" },
                  appArmorProfile: { type: "Unconfined" },
                },
                volumeMounts: [
                  {
                    name: "host-sys",
                    mountPath: "/sys",
                    readOnly: true,
                    recursiveReadOnly: "IfPossible",
                  },
                  { name: "tmp", mountPath: "/tmp" },
                ],
                env: [{ name: "TMPDIR", value: "/tmp" }],
                resources: {
                  requests: { cpu: "10m", memory: "64Mi" },
                  limits: { cpu: "500m", memory: "256Mi" },
                },
              },
            ],
          },
        },
      },
    });
  });

  it("carries the Job's report token in the collector's argv and on the Job, and a deadline inside the Job's", () => {
    const token = newReportToken();
    expect(token).to.match(/^[0-9a-f]{32}$/);
    expect(newReportToken()).not.to.equal(token);
    const command = collectorCommand({
      target: { containerId: "0123456789abcdef0123" },
      checks: ["memory"],
      reportToken: token,
      deadlineSeconds: collectorDeadlineSeconds(120),
    });
    const parsed = parseCollectorArgs(command.slice(1), ALL_CHECKS);
    expect(parsed.kind === "run" && parsed.args.reportToken).to.equal(token);
    expect(parsed.kind === "run" && parsed.args.deadlineSeconds).to.equal(115);
    const job = buildCollectorJob({ ...input, command, reportToken: token });
    expect(job.metadata!.annotations).to.deep.equal({ "diagnose.dev/report-token": token });
    expect(reportTokenOf(job)).to.equal(token);
    expect(reportTokenOf(buildCollectorJob(input))).to.equal(undefined);
  });

  it("replaces the tolerate-everything default with configured tolerations", () => {
    const t = [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }];
    expect(
      buildCollectorJob({ ...input, tolerations: t }).spec!.template.spec!.tolerations,
    ).to.deep.equal(t);
    expect(buildCollectorJob(input).spec!.template.spec!.tolerations).to.deep.equal([
      { operator: "Exists" },
    ]);
  });

  it("mutators do not modify their input", () => {
    const base = baseJob(input);
    const before = JSON.stringify(base);
    const after = withCheckPrivileges(["network"])(base);
    expect(JSON.stringify(base)).to.equal(before);
    expect(after.spec!.template.spec!.containers[0]!.securityContext!.capabilities!.add).to.include(
      "NET_ADMIN",
    );
    expect(withPriorityClass("")(base)).to.equal(base);
    expect(
      withPriorityClass("system-node-critical")(base).spec!.template.spec!.priorityClassName,
    ).to.equal("system-node-critical");
  });

  it("grants each check what it needs and nothing else: no privileged container, no host network", () => {
    const job = (checks: (typeof ALL_CHECKS)[number][]) =>
      buildCollectorJob({ ...input, checks }).spec!.template.spec!;
    for (const checks of [[...ALL_CHECKS], ["softirq"], ["cpu"]] as const) {
      const spec = job([...checks]);
      expect(spec.hostNetwork, checks.join()).to.equal(undefined);
      expect(spec.hostPID, checks.join()).to.equal(true);
      expect(spec.containers[0]!.securityContext!.privileged, checks.join()).to.equal(undefined);
      expect(spec.containers[0]!.securityContext!.capabilities!.drop).to.deep.equal(["ALL"]);
      expect((spec.volumes ?? []).map((v) => v.hostPath?.path)).to.not.include("/dev/kmsg");
    }
    expect(accessFor(["cpu"])).to.deep.equal({ capabilities: [], hostSys: true });
    expect(job(["cpu"]).containers[0]!.securityContext!.capabilities).to.deep.equal({
      drop: ["ALL"],
    });
    expect(accessFor(["network", "softirq"])).to.deep.equal({
      capabilities: ["NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE"],
      hostSys: true,
    });
    expect(accessFor(["softirq"]), "a node target's softirq check: no /sys").to.deep.equal({
      capabilities: ["SYS_PTRACE"],
      hostSys: false,
    });
    expect(
      job(["softirq"]).volumes?.filter((v) => v.hostPath),
      "nothing of the host mounted",
    ).to.deep.equal([]);
    expect(accessFor(["profile"]).capabilities).to.include.members(["PERFMON", "SYSLOG"]);
    const withSysAdmin = job(["network"]).containers[0]!.securityContext!;
    expect(withSysAdmin, "the API refuses it next to SYS_ADMIN").to.not.have.property(
      "allowPrivilegeEscalation",
    );
  });

  it("sets image pull secrets only when configured", () => {
    expect(buildCollectorJob(input).spec!.template.spec!.imagePullSecrets).to.equal(undefined);
    expect(
      buildCollectorJob({ ...input, imagePullSecrets: ["registry-a", "registry-b"] }).spec!.template
        .spec!.imagePullSecrets,
    ).to.deep.equal([{ name: "registry-a" }, { name: "registry-b" }]);
  });
});
