import { expect } from "chai";
import { buildDiagnosis } from "../../../operator/cli/buildDiagnosis.js";
import { type CliCommand, parseCliArgs } from "../../../operator/cli/parseCliArgs.js";
import { formatElapsed, parseDurationSeconds } from "../../../operator/cli/parseDuration.js";

function command(argv: string[]): CliCommand {
  const r = parseCliArgs(argv);
  if (r.kind !== "command") throw new Error(`expected a command, got ${JSON.stringify(r)}`);
  return r.command;
}

function error(argv: string[]): string {
  const r = parseCliArgs(argv);
  if (r.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

describe("parseCliArgs", () => {
  it("parses a pod diagnosis with kubectl-style options", () => {
    const c = command([
      "pod",
      "tomcat-0",
      "-n",
      "shop",
      "-c",
      "tomcat",
      "--checks",
      "memory,jvm",
      "--profile",
      "30s",
      "--timeout=2m",
      "--wait",
      "--context",
      "prod",
      "--kubeconfig",
      "/tmp/kc",
      "-o",
      "yaml",
    ]);
    expect(c).to.deep.equal({
      kind: "create",
      target: { pod: "tomcat-0", container: "tomcat" },
      checks: ["memory", "jvm", "profile"],
      profile: { durationSeconds: 30 },
      timeoutSeconds: 120,
      wait: true,
      output: "yaml",
      global: { namespace: "shop", context: "prod", kubeconfig: "/tmp/kc" },
    });
  });

  it("leaves checks to the operator when only --profile is given, and fits the timeout to it", () => {
    const c = command(["node", "worker-1", "--profile", "90s", "--kernel-thread", "ksoftirqd"]);
    expect(c).to.deep.include({
      target: { node: "worker-1" },
      profile: { durationSeconds: 90, kernelThread: "ksoftirqd" },
      timeoutSeconds: 150,
    });
    expect(c).to.not.have.property("checks");
    expect(command(["node", "w", "--profile", "30s"])).to.not.have.property("timeoutSeconds");
    expect(error(["node", "w", "--profile", "60s", "--timeout", "60s"])).to.match(
      /--profile 60s must be shorter than --timeout 60s/,
    );
    expect(error(["node", "w", "--checks", "softirq,memory"])).to.match(
      /checks memory need a pod target/,
    );
  });

  it("parses get and flamegraph", () => {
    expect(
      command(["get", "tomcat-oom", "-w", "--wait-timeout", "5m", "--no-color"]),
    ).to.deep.equal({
      kind: "get",
      name: "tomcat-oom",
      wait: true,
      output: "report",
      waitTimeoutSeconds: 300,
      global: { color: false },
    });
    expect(command(["flamegraph", "prof-1", "-o", "out.svg"])).to.deep.equal({
      kind: "flamegraph",
      name: "prof-1",
      outFile: "out.svg",
      global: {},
    });
  });

  it("parses report: a NAME or a saved file, -o required, one kind of baseline", () => {
    expect(
      command(["report", "d1", "-n", "shop", "-o", "r.html", "--baseline", "d0"]),
    ).to.deep.equal({
      kind: "report",
      name: "d1",
      outFile: "r.html",
      baseline: "d0",
      global: { namespace: "shop" },
    });
    expect(command(["report", "--from-file", "d.json", "-o", "-"])).to.deep.equal({
      kind: "report",
      fromFile: "d.json",
      outFile: "-",
      global: {},
    });
    expect(error(["report", "d1"])).to.match(/report needs -o FILE/);
    expect(error(["report", "-o", "r.html"])).to.match(/"report" needs a NAME/);
    expect(error(["report", "d1", "-o", "r", "--baseline", "a", "--baseline-file", "b"])).to.match(
      /exclude each other/,
    );
    expect(error(["report", "--from-file", "f", "-o", "r", "--baseline", "a"])).to.match(
      /give the baseline as --baseline-file/,
    );
    expect(error(["get", "d1", "--from-file", "f"])).to.match(/--from-file does not apply/);
  });

  it("returns help and version", () => {
    expect(parseCliArgs([]).kind).to.equal("help");
    expect(parseCliArgs(["pod", "--help"]).kind).to.equal("help");
    expect(parseCliArgs(["--version"]).kind).to.equal("version");
  });

  it("rejects what the CRD or kubectl would reject, saying why", () => {
    expect(error(["pod"])).to.match(/needs a NAME/);
    expect(error(["pods", "x"])).to.match(/unknown command "pods"/);
    expect(error(["pod", "Web_0"])).to.match(/invalid pod name/);
    expect(error(["pod", "a", "b"])).to.match(/unexpected argument "b"/);
    expect(error(["pod", "a", "--checks", "memory,disk"])).to.match(/unknown check "disk"/);
    expect(error(["pod", "a", "--profile", "5m"])).to.match(/1s to 120s/);
    expect(error(["pod", "a", "--timeout", "5s"])).to.match(/10s to 1h/);
    expect(error(["pod", "a", "--profile-frequency", "99"])).to.match(/need --profile/);
    expect(error(["pod", "a", "-o", "wide"])).to.match(/json, yaml or name/);
    expect(error(["node", "n", "-c", "x"])).to.match(/--container does not apply to "node"/);
    expect(error(["get", "x", "--checks", "cpu"])).to.match(/--checks does not apply/);
    expect(error(["flamegraph", "x"])).to.match(/needs -o FILE/);
    expect(error(["pod", "a", "-n", "Bad_NS"])).to.match(/invalid namespace/);
    expect(error(["pod", "a", "--frobnicate"])).to.match(/Unknown option/);
  });
});

describe("buildDiagnosis", () => {
  it("uses generateName from the target, the namespace and only the given spec fields", () => {
    const c = command(["pod", "tomcat-0", "-n", "shop"]);
    if (c.kind !== "create") throw new Error("unreachable");
    expect(buildDiagnosis(c, "shop")).to.deep.equal({
      apiVersion: "diagnose.dev/v1alpha1",
      kind: "Diagnosis",
      metadata: {
        namespace: "shop",
        generateName: "tomcat-0-",
        labels: { "app.kubernetes.io/created-by": "kubectl-diagnose" },
      },
      spec: { target: { pod: "tomcat-0" } },
    });
  });

  it("keeps generated names within 63 characters and honours --name", () => {
    const long = `${"a".repeat(51)}.b${"c".repeat(40)}`;
    const c = command(["pod", long]);
    if (c.kind !== "create") throw new Error("unreachable");
    const gen = buildDiagnosis(c, "default").metadata.generateName!;
    expect(gen.length + 5).to.be.at.most(63);
    expect(gen).to.match(/^a+-$/);
    const named = command(["node", "worker-1", "--name", "n1", "--timeout", "60"]);
    if (named.kind !== "create") throw new Error("unreachable");
    const d = buildDiagnosis(named, "ops");
    expect(d.metadata).to.deep.include({ name: "n1", namespace: "ops" });
    expect(d.metadata.generateName).to.equal(undefined);
    expect(d.spec).to.deep.equal({ target: { node: "worker-1" }, timeoutSeconds: 60 });
  });
});

describe("parseDurationSeconds / formatElapsed", () => {
  it("reads Go-style durations and bare seconds", () => {
    expect(parseDurationSeconds("30s")).to.equal(30);
    expect(parseDurationSeconds("1m30s")).to.equal(90);
    expect(parseDurationSeconds("1h")).to.equal(3600);
    expect(parseDurationSeconds("45")).to.equal(45);
    expect(parseDurationSeconds("")).to.equal(undefined);
    expect(parseDurationSeconds("3d")).to.equal(undefined);
    expect(parseDurationSeconds("1.5s")).to.equal(undefined);
  });

  it("formats elapsed time for a person", () => {
    expect(formatElapsed(4200)).to.equal("4.2s");
    expect(formatElapsed(42_000)).to.equal("42s");
    expect(formatElapsed(65_000)).to.equal("1m05s");
    expect(formatElapsed(7_380_000)).to.equal("2h03m");
  });
});
