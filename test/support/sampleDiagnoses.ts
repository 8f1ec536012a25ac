/**
 * Diagnoses shaped as the operator writes them, with the S1 incident's figures (README.md): a
 * JVM whose 1.95 GiB max heap exceeds a 512 MiB limit.
 */
import type { Diagnosis } from "../../operator/api/v1alpha1/diagnosis.js";

export function s1Diagnosis(): Diagnosis {
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: { name: "tomcat-oom", namespace: "shop", uid: "u1", generation: 1 },
    spec: { target: { pod: "tomcat-0", container: "tomcat" }, checks: ["memory", "jvm", "cpu"] },
    status: {
      phase: "Succeeded",
      trigger: { source: "PodRestart", exitCode: 137, reason: "OOMKilled", restartCount: 3 },
      target: { node: "worker-3", container: "tomcat", podUID: "p1" },
      jobName: "diag-tomcat-oom-1a2b3c4d",
      startTime: "2026-11-26T15:00:00Z",
      completionTime: "2026-11-26T15:00:04Z",
      verdict: "OOMKilled by cgroup: JVM max heap 1.95GiB > limit 512MiB",
      conditions: [
        {
          type: "JobCreated",
          status: "True",
          reason: "JobCreated",
          message: "collector Job diag-tomcat-oom-1a2b3c4d created",
          lastTransitionTime: "2026-11-26T15:00:00Z",
        },
        {
          type: "Completed",
          status: "True",
          reason: "ReportRead",
          message: "3 findings",
          lastTransitionTime: "2026-11-26T15:00:04Z",
        },
      ],
      findings: [
        {
          check: "jvm",
          severity: "Critical",
          code: "JvmHeapExceedsLimit",
          summary:
            "JVM max heap 1.95 GiB (MaxHeapSize 2092957696) exceeds the container memory limit 512 MiB",
          remediation:
            "Set -Xmx384m or -XX:MaxRAMPercentage=75 so heap, metaspace and threads fit the limit",
        },
        {
          check: "memory",
          severity: "Critical",
          code: "CgroupOomKill",
          summary:
            "OOM-killed by its memory cgroup at usage 524288kB = limit 524288kB (failcnt 77), java pid 27281",
        },
        {
          check: "cpu",
          severity: "Warning",
          code: "CpuThrottled",
          summary: "CFS quota 10ms per 100ms: throttled in 62% of periods",
          remediation: "Raise the CPU limit for startup or remove it",
        },
      ],
      report: {
        checks: {
          memory: { status: "ok", durationMs: 3 },
          jvm: { status: "ok", durationMs: 40 },
          cpu: { status: "unavailable", durationMs: 1, reason: "cpu.stat: not found" },
        },
      },
    },
  };
}
