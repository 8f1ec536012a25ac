import { expect } from "chai";
import { ALL_CHECKS } from "../../../../operator/api/v1alpha1/diagnosis.js";
import { parseCollectorArgs } from "../../../../operator/collector/parseCollectorArgs.js";
import {
  bareContainerId,
  baseJob,
  buildCollectorJob,
  collectorCommand,
  collectorJobName,
  diagnosisLabels,
  labelValue,
  privileged,
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
            hostNetwork: true,
            dnsPolicy: "Default",
            tolerations: [{ operator: "Exists" }],
            volumes: [
              { name: "kmsg", hostPath: { path: "/dev/kmsg", type: "CharDevice" } },
              { name: "host-sys", hostPath: { path: "/sys", type: "Directory" } },
              { name: "tmp", emptyDir: {} },
            ],
            containers: [
              {
                name: "collector",
                image: input.image,
                command: input.command,
                terminationMessagePath: "/dev/termination-log",
                terminationMessagePolicy: "File",
                securityContext: { privileged: true, runAsUser: 0, readOnlyRootFilesystem: true },
                volumeMounts: [
                  { name: "kmsg", mountPath: "/dev/kmsg", readOnly: true },
                  { name: "host-sys", mountPath: "/sys", readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
                env: [{ name: "TMPDIR", value: "/tmp" }],
                resources: {
                  requests: { cpu: "500m", memory: "256Mi" },
                  limits: { cpu: "500m", memory: "256Mi" },
                },
              },
            ],
          },
        },
      },
    });
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
    const after = privileged(base);
    expect(JSON.stringify(base)).to.equal(before);
    expect(after.spec!.template.spec!.containers[0]!.securityContext!.privileged).to.equal(true);
    expect(withPriorityClass("")(base)).to.equal(base);
    expect(
      withPriorityClass("system-node-critical")(base).spec!.template.spec!.priorityClassName,
    ).to.equal("system-node-critical");
  });
});
