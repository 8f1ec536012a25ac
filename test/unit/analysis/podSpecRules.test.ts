import type { V1Pod } from "@kubernetes/client-node";
import { expect } from "chai";
import { formatMemorySize } from "../../../operator/analysis/formatMemorySize.js";
import { parseQuantity } from "../../../operator/analysis/parseQuantity.js";
import { chooseContainer, podSpecFindings } from "../../../operator/analysis/podSpecRules.js";

function pod(over: {
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  memory?: string;
  terminated?: { exitCode: number; reason?: string };
  restartCount?: number;
  waiting?: string;
}): V1Pod {
  return {
    metadata: { name: "tomcat-0", namespace: "shop" },
    spec: {
      containers: [
        {
          name: "tomcat",
          image: "tomcat:9",
          command: over.command,
          args: over.args,
          env: Object.entries(over.env ?? {}).map(([name, value]) => ({ name, value })),
          resources: over.memory ? { limits: { memory: over.memory } } : {},
        },
        { name: "sidecar", image: "envoy" },
      ],
    },
    status: {
      containerStatuses: [
        {
          name: "tomcat",
          image: "tomcat:9",
          imageID: "",
          ready: false,
          restartCount: over.restartCount ?? 0,
          lastState: over.terminated
            ? {
                terminated: {
                  ...over.terminated,
                  finishedAt: new Date("2026-01-01T10:00:00Z"),
                },
              }
            : {},
          state: over.waiting ? { waiting: { reason: over.waiting } } : { running: {} },
        },
      ],
    },
  };
}

describe("podSpecRules", () => {
  it("parses quantities", () => {
    expect(parseQuantity("512Mi")).to.equal(536870912);
    expect(parseQuantity("1G")).to.equal(1e9);
    expect(parseQuantity("1e9")).to.equal(1e9);
    expect(parseQuantity("500m")).to.equal(0.5);
    expect(parseQuantity("0.5Gi")).to.equal(2 ** 29);
    expect(parseQuantity("12 apples")).to.equal(undefined);
    expect(formatMemorySize(2092957696)).to.equal("1.95Gi");
    expect(formatMemorySize(536870912)).to.equal("512Mi");
  });

  it("S1: OOMKilled with -Xmx above the limit -> ContainerOOMKilled and JvmHeapExceedsLimit, Critical first", () => {
    const findings = podSpecFindings(
      pod({
        command: ["java", "-Xmx2g", "-jar", "app.jar"],
        memory: "512Mi",
        terminated: { exitCode: 137, reason: "OOMKilled" },
        restartCount: 3,
      }),
      "tomcat",
    );
    expect(findings.map((f) => [f.severity, f.code])).to.deep.equal([
      ["Critical", "ContainerOOMKilled"],
      ["Critical", "JvmHeapExceedsLimit"],
    ]);
    expect(findings[1]!.evidence).to.deep.include({
      maxHeapBytes: 2 ** 31,
      limitBytes: 536870912,
      flag: "-Xmx2g",
    });
    expect(findings[1]!.remediation).to.contain("-Xmx384m");
    expect(findings.every((f) => f.source === "PodSpec")).to.equal(true);
  });

  it("reads heap flags from JAVA_TOOL_OPTIONS and warns when the heap nearly fills the limit", () => {
    const findings = podSpecFindings(
      pod({ env: { JAVA_TOOL_OPTIONS: "-Xmx900m" }, memory: "1Gi" }),
      "tomcat",
    );
    expect(findings.map((f) => f.code)).to.deep.equal(["JvmHeapNearLimit"]);
    expect(findings[0]!.evidence).to.deep.include({ origin: "JAVA_TOOL_OPTIONS" });
  });

  it("a sane heap, no termination -> nothing", () => {
    expect(
      podSpecFindings(pod({ command: ["java", "-Xmx256m", "Main"], memory: "512Mi" }), "tomcat"),
    ).to.deep.equal([]);
  });

  it("exit 137 without OOMKilled is told apart", () => {
    const findings = podSpecFindings(
      pod({ terminated: { exitCode: 137, reason: "Error" }, restartCount: 1 }),
      "tomcat",
    );
    expect(findings.map((f) => f.code)).to.deep.equal(["Killed137NotOOM"]);
  });

  it("container support disabled without -Xmx, CrashLoopBackOff, and a JVM with no limit", () => {
    const a = podSpecFindings(
      pod({
        command: ["java", "-XX:-UseContainerSupport", "Main"],
        memory: "512Mi",
        waiting: "CrashLoopBackOff",
        restartCount: 7,
      }),
      "tomcat",
    );
    expect(a.map((f) => f.code)).to.deep.equal(["JvmIgnoresContainerLimit", "CrashLoopBackOff"]);
    const b = podSpecFindings(pod({ command: ["java", "-Xmx1g", "Main"] }), "tomcat");
    expect(b.map((f) => f.code)).to.deep.equal(["NoMemoryLimit"]);
  });

  it("a non-JVM container gets no JVM findings", () => {
    expect(
      podSpecFindings(pod({ command: ["nginx", "-g", "daemon off;"], memory: "64Mi" }), "tomcat"),
    ).to.deep.equal([]);
  });

  it("chooses the requested, else the last terminated, else the first container", () => {
    const p = pod({ terminated: { exitCode: 137, reason: "OOMKilled" } });
    expect(chooseContainer(p, "sidecar")?.name).to.equal("sidecar");
    expect(chooseContainer(p, "nope")).to.equal(undefined);
    expect(chooseContainer(p)?.name).to.equal("tomcat");
    p.status!.containerStatuses!.push({
      name: "sidecar",
      image: "envoy",
      imageID: "",
      ready: true,
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, finishedAt: new Date("2026-01-01T11:00:00Z") } },
    });
    expect(chooseContainer(p)?.name).to.equal("sidecar");
  });
});
