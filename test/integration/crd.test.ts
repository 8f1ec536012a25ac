/**
 * The generated Diagnosis CRD on a real kube-apiserver: it installs (so its CEL rules pass the
 * server's cost estimate), defaults and validation behave as the types say, the status
 * subresource and the printer columns work.
 */
import { readFileSync } from "node:fs";
import { type RequestOptions, request } from "node:https";
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { expect } from "chai";
import { parse } from "yaml";
import { CRD_PATH, type CustomResourceDefinition } from "../../hack/devtools.js";
import { verdictLine } from "../../operator/analysis/verdictLine.js";
import {
  API_VERSION,
  type Diagnosis,
  type DiagnosisStatus,
  type Finding,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
} from "../../operator/api/v1alpha1/diagnosis.js";
import { type ControlPlane, startControlPlane } from "../support/controlPlane.js";
import { waitFor } from "../support/waitFor.js";

const NAMESPACE = "crd-test";

interface RawResponse {
  status: number;
  body: unknown;
}

/** A GET with a chosen Accept header, which the generated clients cannot send (Table output). */
async function rawGet(cp: ControlPlane, path: string, accept: string): Promise<RawResponse> {
  const options: RequestOptions = {
    method: "GET",
    headers: { Accept: accept },
  };
  await cp.kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cp.server), options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

/** The rejection's HTTP code and the API server's Status message. */
async function rejection(attempt: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await attempt;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
    return { code: error.code, message: String(body?.message ?? "") };
  }
  throw new Error("expected the API server to reject the request");
}

function diagnosis(
  name: string,
  spec: Record<string, unknown>,
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: NAMESPACE, labels },
    spec,
  };
}

describe("Diagnosis CRD on a real kube-apiserver", function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let custom: CustomObjectsApi;
  let installed: V1CustomResourceDefinition;

  const create = (body: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NAMESPACE,
      plural: PLURAL,
      body,
    });
  const get = (name: string): Promise<Diagnosis> =>
    custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NAMESPACE,
      plural: PLURAL,
      name,
    });
  const replaceStatus = (object: Diagnosis, status: DiagnosisStatus): Promise<Diagnosis> =>
    custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: NAMESPACE,
      plural: PLURAL,
      name: object.metadata.name!,
      body: { ...object, status },
    });
  const mergePatch = (name: string, patch: Record<string, unknown>): Promise<Diagnosis> =>
    custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL, name, body: patch },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );

  before(async () => {
    cp = await startControlPlane();
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    await cp.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: NAMESPACE } } });
    // Installed once here, from the committed file users install; the first test checks the result.
    const extensions = cp.kubeConfig.makeApiClient(ApiextensionsV1Api);
    const body = loadYaml<V1CustomResourceDefinition>(readFileSync(CRD_PATH, "utf8"));
    await extensions.createCustomResourceDefinition({ body });
    installed = await waitFor("the CRD to be Established", 30_000, async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
      const condition = crd.status?.conditions?.find((c) => c.type === "Established");
      return condition?.status === "True" ? crd : undefined;
    });
    // Serving starts a moment after Established.
    await waitFor("diagnoses to be served", 30_000, async () => {
      const res = await rawGet(
        cp!,
        `/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/${PLURAL}`,
        "application/json",
      );
      return res.status === 200 ? true : undefined;
    });
  });

  after(async () => {
    await cp?.stop();
  });

  describe("installation", () => {
    it("installs and becomes Established (CEL rules compile and fit the cost budget)", () => {
      const status = (type: string) =>
        installed.status?.conditions?.find((c) => c.type === type)?.status;
      expect(status("Established")).to.equal("True");
      expect(status("NamesAccepted")).to.equal("True");
      expect(installed.status?.acceptedNames?.shortNames).to.deep.equal(["diag"]);
    });

    it("stores the schema exactly as generated (nothing lost in the client's serializer)", async () => {
      const res = await rawGet(
        cp!,
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${PLURAL}.${GROUP}`,
        "application/json",
      );
      expect(res.status).to.equal(200);
      const stored = res.body as CustomResourceDefinition;
      const committed = parse(readFileSync(CRD_PATH, "utf8")) as CustomResourceDefinition;
      expect(stored.spec.versions[0]!.schema).to.deep.equal(committed.spec.versions[0]!.schema);
      expect(stored.spec.versions[0]!.additionalPrinterColumns).to.deep.equal(
        committed.spec.versions[0]!.additionalPrinterColumns,
      );
      expect(stored.spec.names).to.deep.equal(committed.spec.names);
    });
  });

  describe("valid Diagnoses", () => {
    it("accepts a pod Diagnosis, applies defaults and prunes unknown fields", async () => {
      await create(
        diagnosis("tomcat-oom", {
          target: { pod: "tomcat-0", container: "tomcat" },
          checks: ["memory", "jvm", "cpu"],
          image: "evil/collector:latest",
        }),
      );
      const stored = await get("tomcat-oom");
      expect(stored.spec).to.deep.equal({
        target: { pod: "tomcat-0", container: "tomcat" },
        checks: ["memory", "jvm", "cpu"],
        timeoutSeconds: 120,
      });
      expect(stored.metadata.generation).to.equal(1);
    });

    it("accepts a node Diagnosis with a profile and defaults the profile settings", async () => {
      await create(
        diagnosis("node-softirq", {
          target: { node: "worker-3.example" },
          checks: ["softirq", "profile"],
          profile: { kernelThread: "ksoftirqd" },
          timeoutSeconds: 300,
        }),
      );
      const stored = await get("node-softirq");
      expect(stored.spec.profile).to.deep.equal({
        kernelThread: "ksoftirqd",
        durationSeconds: 30,
        frequency: 99,
      });
      expect(stored.spec.timeoutSeconds).to.equal(300);
    });

    it("accepts a node Diagnosis without checks (the controller picks the node-level ones)", async () => {
      await create(diagnosis("node-default", { target: { node: "worker-4" } }));
      expect((await get("node-default")).spec.target).to.deep.equal({ node: "worker-4" });
    });
  });

  describe("invalid Diagnoses are rejected with 422 naming the field", () => {
    const long = "a".repeat(254);
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["no target", { checks: ["memory"] }, /spec\.target: Required value/],
      [
        "both pod and node",
        { target: { pod: "p", node: "n" } },
        /spec\.target: Invalid value: "object": exactly one of target\.pod or target\.node must be set/,
      ],
      [
        "neither pod nor node",
        { target: {} },
        /spec\.target: Invalid value: "object": exactly one of target\.pod or target\.node/,
      ],
      [
        "unknown check",
        { target: { pod: "p" }, checks: ["memory", "disk"] },
        /spec\.checks\[1\]: Unsupported value: "disk"/,
      ],
      [
        "duplicate checks",
        { target: { pod: "p" }, checks: ["memory", "cpu", "memory"] },
        /spec\.checks\[2\]: Duplicate value: "memory"/,
      ],
      [
        "empty checks",
        { target: { pod: "p" }, checks: [] },
        /spec\.checks: Invalid value: .*should have at least 1 items/,
      ],
      [
        "negative timeout",
        { target: { pod: "p" }, timeoutSeconds: -5 },
        /spec\.timeoutSeconds: Invalid value: -5: spec\.timeoutSeconds in body should be greater than or equal to 10/,
      ],
      [
        "oversized timeout",
        { target: { pod: "p" }, timeoutSeconds: 3601 },
        /spec\.timeoutSeconds: Invalid value: 3601: .*less than or equal to 3600/,
      ],
      [
        "timeout of the wrong type",
        { target: { pod: "p" }, timeoutSeconds: "abc" },
        /spec\.timeoutSeconds: Invalid value: "string": spec\.timeoutSeconds in body must be of type integer/,
      ],
      [
        "fractional timeout",
        { target: { pod: "p" }, timeoutSeconds: 12.5 },
        /spec\.timeoutSeconds: Invalid value: "number": .*must be of type integer/,
      ],
      [
        "oversized profile duration",
        { target: { pod: "p" }, checks: ["profile"], profile: { durationSeconds: 121 } },
        /spec\.profile\.durationSeconds: Invalid value: 121: .*less than or equal to 120/,
      ],
      [
        "profile longer than the timeout",
        {
          target: { pod: "p" },
          checks: ["profile"],
          profile: { durationSeconds: 60 },
          timeoutSeconds: 30,
        },
        /spec\.profile\.durationSeconds: Invalid value: "object": spec\.profile\.durationSeconds must be shorter than spec\.timeoutSeconds/,
      ],
      [
        "bad pod name",
        { target: { pod: "Tomcat_0" } },
        /spec\.target\.pod: Invalid value: "Tomcat_0": spec\.target\.pod in body should match/,
      ],
      ["pod name too long", { target: { pod: long } }, /spec\.target\.pod: Too long/],
      [
        "container without pod",
        { target: { node: "n", container: "c" } },
        /spec\.target: Invalid value: "object": target\.container requires target\.pod/,
      ],
      [
        "pod-level checks on a node target",
        { target: { node: "n" }, checks: ["softirq", "jvm"] },
        /spec\.checks: Invalid value: "object": checks memory, jvm and cpu need target\.pod/,
      ],
      [
        "kernel thread name with a shell metacharacter",
        { target: { node: "n" }, checks: ["profile"], profile: { kernelThread: "a;b" } },
        /spec\.profile\.kernelThread: Invalid value: "a;b"/,
      ],
    ];
    for (const [what, spec, expected] of cases) {
      it(what, async () => {
        const name = `bad-${what.replace(/[^a-z0-9]+/g, "-")}`.slice(0, 63).replace(/-$/, "");
        const { code, message } = await rejection(create(diagnosis(name, spec)));
        expect(code, message).to.equal(422);
        expect(message).to.match(expected);
      });
    }
  });

  describe("status subresource", () => {
    it("a status write leaves generation alone and ignores spec; the main resource ignores status", async () => {
      await create(diagnosis("status-flow", { target: { pod: "web-0" } }));
      const created = await get("status-flow");
      expect(created.metadata.generation).to.equal(1);

      const afterStatus = await replaceStatus(
        { ...created, spec: { ...created.spec, timeoutSeconds: 999 } },
        { phase: "Running", observedGeneration: 1, target: { node: "worker-1" } },
      );
      expect(afterStatus.metadata.generation).to.equal(1);
      expect(afterStatus.status?.phase).to.equal("Running");
      expect(afterStatus.spec.timeoutSeconds, "spec is ignored on /status").to.equal(120);

      const afterMeta = await mergePatch("status-flow", {
        metadata: { labels: { team: "shop" } },
        status: { phase: "Failed" },
      });
      expect(afterMeta.metadata.generation, "no spec change").to.equal(1);
      expect(afterMeta.status?.phase, "status is ignored on the main resource").to.equal("Running");
    });

    it("refuses any change of the spec after creation; metadata and status still change", async () => {
      await create(diagnosis("immutable", { target: { pod: "web-0" }, checks: ["memory"] }));
      for (const spec of [
        { timeoutSeconds: 600 },
        { target: { pod: "other-pod" } },
        { checks: ["memory", "jvm"] },
        { profile: { durationSeconds: 5 } },
      ]) {
        const { code, message } = await rejection(mergePatch("immutable", { spec }));
        expect(code, JSON.stringify(spec)).to.equal(422);
        expect(message).to.match(/spec is immutable: delete the Diagnosis and create a new one/);
      }
      const unchanged = await get("immutable");
      expect(unchanged.spec).to.deep.equal({
        target: { pod: "web-0" },
        checks: ["memory"],
        timeoutSeconds: 120,
      });
      expect(unchanged.metadata.generation).to.equal(1);
      const relabelled = await mergePatch("immutable", {
        metadata: { finalizers: ["diagnose.dev/cleanup-job"], labels: { a: "b" } },
      });
      expect(relabelled.metadata.finalizers).to.deep.equal(["diagnose.dev/cleanup-job"]);
      await replaceStatus(relabelled, { phase: "Running" });
    });

    it("validates status writes too", async () => {
      await create(diagnosis("status-bad", { target: { pod: "web-1" } }));
      const created = await get("status-bad");
      const { code, message } = await rejection(
        replaceStatus(created, { phase: "Exploded" as DiagnosisStatus["phase"] }),
      );
      expect(code).to.equal(422);
      expect(message).to.match(/status\.phase: Unsupported value: "Exploded"/);
    });
  });

  describe("printer columns", () => {
    it("come back in a Table response: target pod or node, node (-o wide), phase, verdict, age; the kubectl columns besides name and target fit 80 columns", async () => {
      const labels = { table: "printer-columns" };
      await create(diagnosis("table-pod", { target: { pod: "shop-api-7" } }, labels));
      await create(diagnosis("table-node", { target: { node: "worker-9" } }, labels));
      // The verdict line the operator writes for the real S1 report.
      const s1 = JSON.parse(
        readFileSync("test/fixtures/reports/s1-jvm-oom.collector.json", "utf8"),
      ) as { findings: Finding[] };
      const verdict = verdictLine(s1.findings);
      expect(verdict).to.equal("Critical OOMKilledByCgroup: java 200Mi/200Mi");
      await replaceStatus(await get("table-pod"), {
        phase: "Succeeded",
        target: { node: "worker-2" },
        verdict,
      });
      const res = await rawGet(
        cp!,
        `/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/${PLURAL}?labelSelector=table%3Dprinter-columns`,
        "application/json;as=Table;v=v1;g=meta.k8s.io",
      );
      expect(res.status).to.equal(200);
      const table = res.body as {
        kind: string;
        columnDefinitions: Array<{ name: string; type: string; priority: number }>;
        rows: Array<{ cells: unknown[] }>;
      };
      expect(table.kind).to.equal("Table");
      expect(table.columnDefinitions.map((c) => c.name)).to.deep.equal([
        "Name",
        "Target",
        "Node",
        "Phase",
        "Verdict",
        "Age",
      ]);
      const rows = table.rows.map((row) => row.cells);
      expect(rows.map((cells) => cells.slice(0, 5))).to.deep.equal([
        ["table-node", "worker-9", null, null, null],
        ["table-pod", "shop-api-7", "worker-2", "Succeeded", verdict],
      ]);
      for (const cells of rows) expect(cells[5]).to.match(/^\d+s$/);
      expect(table.columnDefinitions.find((c) => c.name === "Node")?.priority).to.equal(1);
      // kubectl prints priority-0 columns, each as wide as its widest cell, 3 spaces apart. Name
      // and target are as long as the user made them; the rest must fit a terminal. Ages up to
      // "3h59m" are 5 wide.
      const shown = table.columnDefinitions
        .map((c, i) => ({ ...c, i }))
        .filter((c) => c.priority === 0 && c.name !== "Name" && c.name !== "Target");
      expect(shown.map((c) => c.name)).to.deep.equal(["Phase", "Verdict", "Age"]);
      const width = (c: { name: string; i: number }) =>
        Math.max(
          c.name === "Age" ? 5 : c.name.length,
          ...rows.map((cells) => String(cells[c.i] ?? "").length),
        );
      const line = shown.reduce((sum, c) => sum + width(c) + 3, 0);
      expect(line, `${verdict}`).to.be.at.most(80);
    });
  });
});
