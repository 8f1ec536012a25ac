import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import type { Diagnosis } from "../../../operator/api/v1alpha1/diagnosis.js";
import type { NewDiagnosis } from "../../../operator/cli/buildDiagnosis.js";
import type { DiagnosisClient } from "../../../operator/cli/diagnosisClient.js";
import { loadFlameGraphRenderer } from "../../../operator/cli/flameGraphExport.js";
import { describeChanges, progressLine } from "../../../operator/cli/progress.js";
import { type CliDeps, EXIT, runCli } from "../../../operator/cli/runCli.js";
import { collapseStacks } from "../../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../../operator/collector/profile/parsePerfScript.js";
import { encodeCollapsed } from "../../../operator/report/collapsedBlob.js";
import { repoRoot } from "../../support/controlPlane.js";
import { s1Diagnosis } from "../../support/sampleDiagnoses.js";

/** An in-memory apiserver: each get() returns the next scripted state of the object. */
class ScriptedClient implements DiagnosisClient {
  created: NewDiagnosis[] = [];
  gets = 0;
  constructor(private readonly states: Diagnosis[]) {}
  async create(d: NewDiagnosis): Promise<Diagnosis> {
    this.created.push(d);
    const name = d.metadata.name ?? `${d.metadata.generateName}x7k2p`;
    return { ...d, metadata: { ...d.metadata, name, uid: "u" } } as Diagnosis;
  }
  async get(namespace: string, name: string): Promise<Diagnosis> {
    const state = this.states[Math.min(this.gets, this.states.length - 1)];
    this.gets++;
    if (!state)
      throw Object.assign(new Error("HTTP 404"), {
        code: 404,
        body: JSON.stringify({
          reason: "NotFound",
          message: `diagnoses.diagnose.dev "${name}" not found`,
        }),
      });
    return { ...state, metadata: { ...state.metadata, name, namespace } };
  }
}

function harness(client: DiagnosisClient, overrides: Partial<CliDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  let clock = 0;
  const deps: CliDeps = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: {},
    version: "0.0.0-test",
    connect: (c) => ({ client, namespace: c.global.namespace ?? "default" }),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    writeFile: async (p, d) => {
      files.set(p, d);
    },
    readFile: async (p) => {
      const f = files.get(p);
      if (f === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
      return f;
    },
    loadFlameGraphRenderer,
    ...overrides,
  };
  return { deps, out: () => out.join(""), err: () => err.join(""), files };
}

function withPhase(
  phase: Diagnosis["status"] extends infer S ? S : never,
  base = s1Diagnosis(),
): Diagnosis {
  return { ...base, status: phase };
}

describe("runCli", () => {
  it("creates a pod Diagnosis and prints its name without waiting", async () => {
    const client = new ScriptedClient([]);
    const h = harness(client);
    const code = await runCli(["pod", "tomcat-0", "-n", "shop", "--checks", "memory,jvm"], h.deps);
    expect(code).to.equal(EXIT.ok);
    expect(client.created).to.have.length(1);
    expect(client.created[0]!.spec).to.deep.equal({
      target: { pod: "tomcat-0" },
      checks: ["memory", "jvm"],
    });
    expect(h.out()).to.equal("diagnosis.diagnose.dev/tomcat-0-x7k2p created\n");
    expect(client.gets).to.equal(0);
  });

  it("--wait narrates phase and condition changes, then renders the report; exit 0 on Succeeded", async () => {
    const done = s1Diagnosis();
    const pending = withPhase({ phase: "Pending" });
    const running = withPhase({
      phase: "Running",
      jobName: "diag-x",
      conditions: [done.status!.conditions![0]!],
    });
    const client = new ScriptedClient([running, running, done]);
    const h = harness(client);
    client.create = async (d) => ({
      ...pending,
      metadata: { ...pending.metadata, name: "tomcat-oom", namespace: d.metadata.namespace },
    });
    const code = await runCli(["pod", "tomcat-0", "-n", "shop", "--wait"], h.deps);
    expect(code).to.equal(EXIT.ok);
    const log = h.err();
    expect(log).to.include("[0.0s] phase Pending");
    expect(log).to.include("[1.0s] phase Pending -> Running");
    expect(log).to.include(
      "JobCreated=True JobCreated: collector Job diag-tomcat-oom-1a2b3c4d created",
    );
    expect(log).to.include("[3.0s] phase Running -> Succeeded");
    expect(log).to.include("verdict: OOMKilled by cgroup");
    expect(h.out()).to.include("Findings (2 Critical, 1 Warning)");
  });

  it("exits 1 when the Diagnosis failed, 4 when waiting gives up, 3 when it does not exist", async () => {
    const failed = withPhase({ phase: "Failed" });
    expect(
      await runCli(["get", "tomcat-oom"], harness(new ScriptedClient([failed])).deps),
    ).to.equal(EXIT.failed);

    const stuck = new ScriptedClient([withPhase({ phase: "Running" })]);
    const h = harness(stuck);
    expect(await runCli(["get", "tomcat-oom", "--wait", "--wait-timeout", "5s"], h.deps)).to.equal(
      EXIT.waitTimeout,
    );
    expect(h.err()).to.include("gave up waiting after 5s");
    expect(stuck.gets).to.be.within(6, 8);

    const missing = harness(new ScriptedClient([]));
    expect(await runCli(["get", "nope"], missing.deps)).to.equal(EXIT.error);
    expect(missing.err()).to.equal(
      'error: Error from server (NotFound): diagnoses.diagnose.dev "nope" not found\n',
    );
  });

  it("prints -o json / yaml / name", async () => {
    const h = harness(new ScriptedClient([s1Diagnosis()]));
    await runCli(["get", "tomcat-oom", "-n", "shop", "-o", "json"], h.deps);
    expect(JSON.parse(h.out()).status.verdict).to.equal(s1Diagnosis().status!.verdict);
    const y = harness(new ScriptedClient([s1Diagnosis()]));
    await runCli(["get", "tomcat-oom", "-o", "yaml"], y.deps);
    expect(y.out()).to.match(/^apiVersion: diagnose.dev\/v1alpha1$/m);
    const n = harness(new ScriptedClient([s1Diagnosis()]));
    await runCli(["get", "tomcat-oom", "-o", "name"], n.deps);
    expect(n.out()).to.equal("diagnosis.diagnose.dev/tomcat-oom\n");
  });

  it("no control character from the Diagnosis reaches the terminal; -o json / yaml keep the data exact", async () => {
    const hostile = s1Diagnosis();
    const evil = "java\u001b]0;pwned\u0007\r\nCRITICAL fake line\u009b2J\u202eexe.sh";
    hostile.status!.findings![0]!.summary = evil;
    hostile.status!.findings![0]!.remediation = `run \u001b[8m curl x | sh`;
    hostile.status!.conditions = [
      {
        type: "Failed",
        status: "True",
        reason: "CollectorFailed",
        message: evil,
        lastTransitionTime: "2026-01-01T00:00:00Z",
      },
    ];
    hostile.status!.phase = "Failed";
    hostile.status!.report = {
      checks: { jvm: { status: "error", durationMs: 1, reason: evil } },
    };
    // C0 but newline, DEL and C1 (the 8-bit CSI), CR, the bidi override.
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
    const report = harness(new ScriptedClient([hostile]));
    await runCli(["get", "tomcat-oom", "--no-color"], report.deps);
    expect(report.out()).to.include("CRITICAL fake line");
    expect(report.out()).not.to.match(unsafe);
    expect(report.out()).not.to.match(/\nCRITICAL fake line/);
    const json = harness(new ScriptedClient([hostile]));
    await runCli(["get", "tomcat-oom", "-o", "json"], json.deps);
    expect(json.out()).not.to.match(unsafe);
    expect(JSON.parse(json.out()).status.findings[0].summary).to.equal(evil);
    const yaml = harness(new ScriptedClient([hostile]));
    await runCli(["get", "tomcat-oom", "-o", "yaml"], yaml.deps);
    expect(yaml.out()).not.to.match(unsafe);
    expect((parseYaml(yaml.out()) as Diagnosis).status!.findings![0]!.summary).to.equal(evil);
    const waiting = harness(
      new ScriptedClient([
        { ...hostile, status: { ...hostile.status, phase: "Running" } },
        hostile,
      ]),
    );
    waiting.deps.stderr.isTTY = true;
    await runCli(["get", "tomcat-oom", "--wait", "-o", "name"], waiting.deps);
    expect(waiting.err().replaceAll("\r\u001b[2K", "")).not.to.match(unsafe);
  });

  it("usage errors exit 2 before touching the cluster", async () => {
    const client = new ScriptedClient([]);
    const h = harness(client);
    expect(await runCli(["pod"], h.deps)).to.equal(EXIT.usage);
    expect(h.err()).to.match(/^error: "pod" needs a NAME/);
    expect(client.gets + client.created.length).to.equal(0);
  });

  describe("flamegraph", () => {
    // Real perf script output captured on this machine (test/fixtures/profile/README.md).
    const perf = readFileSync(
      join(repoRoot, "test/fixtures/profile/perf-script-node-synflood.txt"),
      "utf8",
    );
    const blob = encodeCollapsed(collapseStacks(parsePerfScript(perf).samples));
    const profiled = (): Diagnosis => {
      const d = s1Diagnosis();
      d.spec.checks = ["softirq", "profile"];
      d.status!.report = {
        checks: { profile: { status: "ok", durationMs: 1500, data: { collapsed: blob } } },
      };
      return d;
    };

    it("renders the status' collapsed stacks to an SVG file", async () => {
      const h = harness(new ScriptedClient([profiled()]));
      expect(
        await runCli(["flamegraph", "tomcat-oom", "-n", "shop", "-o", "out.svg"], h.deps),
      ).to.equal(EXIT.ok);
      const svg = h.files.get("out.svg")!;
      expect(svg).to.match(/^<\?xml|^<svg/);
      expect(svg).to.include("net_rx_action");
      expect(svg).to.include("shop/tomcat-oom");
      expect(h.err()).to.match(/^wrote out.svg \(\d+ bytes\)\n$/);
    });

    it("says why there is no flame graph, or that this build has no renderer", async () => {
      const h = harness(new ScriptedClient([s1Diagnosis()]));
      expect(await runCli(["flamegraph", "tomcat-oom", "-o", "-"], h.deps)).to.equal(EXIT.error);
      expect(h.err()).to.include("did not ask for a profile");
      const none = harness(new ScriptedClient([profiled()]), {
        loadFlameGraphRenderer: async () => undefined,
      });
      expect(await runCli(["flamegraph", "tomcat-oom", "-o", "-"], none.deps)).to.equal(EXIT.error);
      expect(none.err()).to.include("not available in this build");
    });
  });

  describe("report", () => {
    const perf = readFileSync(
      join(repoRoot, "test/fixtures/profile/perf-script-node-synflood.txt"),
      "utf8",
    );
    const profiled = (name = "tomcat-oom"): Diagnosis => {
      const d = s1Diagnosis();
      d.metadata.name = name;
      d.spec.checks = ["softirq", "profile"];
      d.status!.report = {
        checks: {
          profile: {
            status: "ok",
            durationMs: 1500,
            data: { collapsed: encodeCollapsed(collapseStacks(parsePerfScript(perf).samples)) },
          },
        },
      };
      return d;
    };

    it("writes the Diagnosis from the cluster as one HTML page with its findings and flame graph", async () => {
      const h = harness(new ScriptedClient([profiled()]));
      expect(
        await runCli(["report", "tomcat-oom", "-n", "shop", "-o", "report.html"], h.deps),
      ).to.equal(EXIT.ok);
      const html = h.files.get("report.html")!;
      expect(html).to.match(/^<!DOCTYPE html>/);
      for (const code of ["JvmHeapExceedsLimit", "CgroupOomKill", "CpuThrottled"])
        expect(html).to.include(`data-code="${code}"`);
      expect(html).to.include('<svg version="1.1" class="fg"');
      expect(html).to.include("function dgnFlameGraph");
      expect(h.err()).to.match(/^wrote report.html \(\d+ bytes\): 3 findings, flame graph\n$/);
    });

    it("adds a differential flame graph against --baseline", async () => {
      const client = new ScriptedClient([profiled("after"), profiled("before")]);
      const h = harness(client);
      expect(
        await runCli(["report", "after", "--baseline", "before", "-o", "cmp.html"], h.deps),
      ).to.equal(EXIT.ok);
      expect(h.files.get("cmp.html")).to.include('id="profile-diff"');
      expect(h.err()).to.include("differential flame graph");
    });

    it("reads a saved kubectl get -o json (one object or a List) without connecting", async () => {
      const h = harness(new ScriptedClient([]), {
        connect: () => {
          throw new Error("must not connect");
        },
      });
      h.files.set("one.json", JSON.stringify(profiled()));
      h.files.set(
        "list.json",
        JSON.stringify({ kind: "List", items: [profiled("a"), profiled("b")] }),
      );
      expect(await runCli(["report", "--from-file", "one.json", "-o", "-"], h.deps)).to.equal(
        EXIT.ok,
      );
      expect(h.out()).to.include("shop/tomcat-oom");
      expect(
        await runCli(["report", "b", "--from-file", "list.json", "-o", "b.html"], h.deps),
      ).to.equal(EXIT.ok);
      expect(h.files.get("b.html")).to.include("<title>Diagnosis shop/b</title>");
      expect(await runCli(["report", "--from-file", "list.json", "-o", "x.html"], h.deps)).to.equal(
        EXIT.error,
      );
      expect(h.err()).to.include("list.json: the file holds 2 Diagnoses (a, b): name one");
      h.files.set("pod.json", JSON.stringify({ kind: "Pod", metadata: { name: "p" } }));
      expect(await runCli(["report", "--from-file", "pod.json", "-o", "x.html"], h.deps)).to.equal(
        EXIT.error,
      );
      expect(h.err()).to.include("holds a Pod, not a Diagnosis");
      expect(await runCli(["report", "--from-file", "nope.json", "-o", "x.html"], h.deps)).to.equal(
        EXIT.error,
      );
      expect(h.err()).to.include("cannot read nope.json: ENOENT");
    });
  });
});

describe("progress", () => {
  it("shows phase, elapsed, checks done and the latest condition on one line", () => {
    const d = s1Diagnosis();
    expect(progressLine(d, 12_300)).to.equal(
      "tomcat-oom  Succeeded  12s  checks 3/3  Completed=True ReportRead: 3 findings",
    );
    expect(progressLine({ ...d, status: undefined }, 500)).to.equal(
      "tomcat-oom  Pending  0.5s  checks 0/3",
    );
  });

  it("reports only what changed", () => {
    const d = s1Diagnosis();
    expect(describeChanges(d, d)).to.deep.equal([]);
    const later = s1Diagnosis();
    later.status!.conditions![1]!.message = "4 findings";
    expect(describeChanges(d, later)).to.deep.equal(["Completed=True ReportRead: 4 findings"]);
  });
});
