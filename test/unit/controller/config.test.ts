import { expect } from "chai";
import { type OperatorConfig, parseOperatorConfig } from "../../../operator/controller/config.js";

const host = { hostname: "node-1", pid: 42 };

function ok(argv: string[], env: Record<string, string> = {}): OperatorConfig {
  const r = parseOperatorConfig(argv, env, host);
  if (r.kind !== "config") throw new Error(`expected a config, got ${JSON.stringify(r)}`);
  return r.config;
}

function error(argv: string[], env: Record<string, string> = {}): string {
  const r = parseOperatorConfig(argv, env, host);
  if (r.kind !== "error") throw new Error(`expected an error, got ${r.kind}`);
  return r.message;
}

describe("parseOperatorConfig", () => {
  it("uses the contract's defaults", () => {
    expect(ok([])).to.deep.equal({
      namespace: "diagnose-system",
      collectorImage: "ghcr.io/diagnose-dev/diagnose-operator:0.1.0",
      collectorServiceAccount: "diagnose-collector",
      collectorCpuRequest: "10m",
      collectorMemoryRequest: "64Mi",
      collectorCpuLimit: "500m",
      collectorMemoryLimit: "256Mi",
      collectorPriorityClass: "system-node-critical",
      collectorTolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists" },
        { key: "node.kubernetes.io/unreachable", operator: "Exists" },
        { key: "node.kubernetes.io/memory-pressure", operator: "Exists" },
        { key: "node.kubernetes.io/disk-pressure", operator: "Exists" },
        { key: "node.kubernetes.io/pid-pressure", operator: "Exists" },
        { key: "node.kubernetes.io/network-unavailable", operator: "Exists" },
        { key: "node.kubernetes.io/unschedulable", operator: "Exists" },
      ],
      collectorImagePullSecrets: [],
      metricsPort: 8080,
      watchNamespaces: [],
      autoTrigger: true,
      autoNamespaceSelector: "",
      cooldownSeconds: 600,
      maxJobsPerNode: 1,
      maxJobs: 10,
      maxOpenPerNamespace: 20,
      maxQueuedSeconds: 600,
      leaderElect: true,
      leaseName: "diagnose-operator",
      identity: "node-1_42",
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      requestTimeoutSeconds: 30,
      watchIdleTimeoutSeconds: 45,
      cacheSyncTimeoutSeconds: 120,
      ttlSecondsAfterFinished: 604800,
      logLevel: "info",
    });
  });

  it("reads the collector's image pull secrets as a list of names", () => {
    expect(
      ok([], { DIAGNOSE_COLLECTOR_IMAGE_PULL_SECRETS: "registry-a, registry.b,registry-a" })
        .collectorImagePullSecrets,
    ).to.deep.equal(["registry-a", "registry.b"]);
    expect(error(["--collector-image-pull-secrets=Registry_A"])).to.match(/not an object name/);
  });

  it("reads collector tolerations as a JSON array and rejects malformed ones clearly", () => {
    const t = [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }];
    expect(
      ok([], { DIAGNOSE_COLLECTOR_TOLERATIONS: JSON.stringify(t) }).collectorTolerations,
    ).to.deep.equal(t);
    expect(error([`--collector-tolerations={"operator":"Exists"}`])).to.match(/JSON array/);
    expect(error(["--collector-tolerations", '[{"operater":"Exists"}]'])).to.match(
      /unknown field\(s\) operater/,
    );
    expect(error(["--collector-tolerations", '[{"effect":"Never"}]'])).to.match(/effect must be/);
  });

  it("reads every option from its environment variable; flags win over env", () => {
    const env = {
      DIAGNOSE_NAMESPACE: "ops",
      DIAGNOSE_METRICS_PORT: "9090",
      DIAGNOSE_WATCH_NAMESPACES: "shop, web,shop",
      DIAGNOSE_AUTO_TRIGGER: "false",
      DIAGNOSE_AUTO_NAMESPACE_SELECTOR: "diagnose.dev/auto=enabled",
      DIAGNOSE_MAX_JOBS: "3",
      DIAGNOSE_LOG_LEVEL: "debug",
      POD_NAME: "diagnose-operator-7d9f-abcde",
    };
    const c = ok(["--namespace", "flag-ns", "--metrics-port=0"], env);
    expect(c.namespace).to.equal("flag-ns");
    expect(c.metricsPort).to.equal(0);
    expect(c.watchNamespaces).to.deep.equal(["shop", "web"]);
    expect(c.autoTrigger).to.equal(false);
    expect(c.autoNamespaceSelector).to.equal("diagnose.dev/auto=enabled");
    expect(c.maxJobs).to.equal(3);
    expect(c.logLevel).to.equal("debug");
    expect(c.identity).to.equal("diagnose-operator-7d9f-abcde");
  });

  it("accepts bare, =value and spaced boolean flags", () => {
    expect(ok(["--leader-elect=false"]).leaderElect).to.equal(false);
    expect(ok(["--leader-elect", "false"]).leaderElect).to.equal(false);
    expect(
      ok(["--auto-trigger", "--namespace", "x"], { DIAGNOSE_AUTO_TRIGGER: "false" }).autoTrigger,
    ).to.equal(true);
  });

  it("accepts set-based selectors", () => {
    expect(
      ok(["--auto-namespace-selector", "env in (prod, staging),!legacy"]).autoNamespaceSelector,
    ).to.equal("env in (prod, staging),!legacy");
  });

  it("returns help text for --help", () => {
    const r = parseOperatorConfig(["--namespace", "x", "--help"], {}, host);
    expect(r.kind).to.equal("help");
    if (r.kind === "help") {
      expect(r.text).to.contain("--collector-image");
      expect(r.text).to.contain("DIAGNOSE_COLLECTOR_IMAGE");
    }
  });

  it("asks for the version with --version (the image test runs it)", () => {
    expect(parseOperatorConfig(["--version"], {}, host).kind).to.equal("version");
    expect(parseOperatorConfig(["--namespace", "x", "--version"], {}, host).kind).to.equal(
      "version",
    );
  });

  it("rejects bad input with a message naming the source", () => {
    expect(error(["--bogus"])).to.contain("unknown flag --bogus");
    expect(error(["--namespace"])).to.contain("needs a value");
    expect(error([], { DIAGNOSE_METRICS_PORT: "80a" })).to.contain("DIAGNOSE_METRICS_PORT");
    expect(error(["--metrics-port", "70000"])).to.contain("above 65535");
    expect(error(["--collector-memory-limit", "lots"])).to.contain("not a resource quantity");
    expect(error(["--namespace", "Bad_NS"])).to.contain("DNS-1123");
    expect(error(["--watch-namespaces", "ok,NOT OK"])).to.contain("NOT OK");
    expect(error(["--auto-namespace-selector", "a=b,=c"])).to.contain("=c");
    expect(error(["--log-level", "loud"])).to.contain("loud");
    expect(error(["--auto-trigger=maybe"])).to.contain("not a boolean");
    expect(error(["--max-jobs", "0"])).to.contain("below 1");
    expect(error(["positional"])).to.contain("unexpected argument");
  });

  it("enforces client-go's lease timing invariants and the job caps", () => {
    expect(error(["--lease-duration-seconds", "10"])).to.contain(
      "greater than --renew-deadline-seconds",
    );
    expect(error(["--retry-period-seconds", "9"])).to.contain("1.2");
    expect(error(["--max-jobs-per-node", "5", "--max-jobs", "2"])).to.contain("must not exceed");
  });
});
