/**
 * The chart rendered by the real helm: golden files for default and non-default values
 * (UPDATE_GOLDEN=1 rewrites them), `helm lint --strict`, the values schema, and the properties
 * the security model and the operator contract depend on.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse, parseAllDocuments } from "yaml";
import {
  DEFAULT_COLLECTOR_TOLERATIONS,
  operatorHelpText,
  parseOperatorConfig,
} from "../../../operator/controller/config.js";
import { CHART_DIR, helm, helmOk } from "../../support/helm.js";
import { repoRoot } from "../../support/repoRoot.js";

const FIXTURES = join(repoRoot, "test", "fixtures", "chart");

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are checked field by field.
type Obj = any;

function render(args: readonly string[]): { text: string; objects: Obj[] } {
  const text = helmOk(["template", "diagnose", CHART_DIR, ...args]);
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as Obj)
    .filter((o) => o);
  return { text, objects };
}

const find = (objects: Obj[], kind: string, name?: string): Obj[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function one(objects: Obj[], kind: string, name?: string): Obj {
  const found = find(objects, kind, name);
  expect(found, `${kind} ${name ?? ""}`).to.have.length(1);
  return found[0];
}

function compareGolden(file: string, text: string): void {
  const path = join(FIXTURES, file);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(path, text);
  expect(text, `${file} differs from helm template (UPDATE_GOLDEN=1 to regenerate)`).to.equal(
    readFileSync(path, "utf8"),
  );
}

function envOf(deployment: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0].env)
    if ("value" in e) env[e.name] = e.value;
  return env;
}

/** Env vars the chart sets that the operator does not read (none: every one must be read). */
const AWAITING_OPERATOR_SUPPORT = new Set<string>();

/** Env vars node itself (or its C library) reads, not the operator's config parser. */
const READ_BY_NODE = new Set(["NODE_OPTIONS", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"]);

/** A Kubernetes memory quantity in MiB (the binary suffixes the chart uses). */
function mebibytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  return Number(m[1]) * { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[m[2] as "Ki" | "Mi" | "Gi"];
}

describe("helm chart: rendering", function () {
  this.timeout(60_000);

  const defaults = render(["-n", "diagnose-operator"]);
  const custom = render(["-n", "ops", "-f", join(FIXTURES, "values-nondefault.yaml")]);

  it("matches the golden files", () => {
    compareGolden("default.yaml", defaults.text);
    compareGolden("nondefault.yaml", custom.text);
  });

  it("passes helm lint --strict with default and non-default values", () => {
    helmOk(["lint", "--strict", CHART_DIR, "-n", "diagnose-operator"]);
    helmOk([
      "lint",
      "--strict",
      CHART_DIR,
      "-n",
      "ops",
      "-f",
      join(FIXTURES, "values-nondefault.yaml"),
    ]);
  });

  it("rejects values the schema does not know or allow", () => {
    const typo = helm(["template", "x", CHART_DIR, "--set", "autoTriger.enabled=false"]);
    expect(typo.status).to.not.equal(0);
    expect(typo.stderr).to.match(/additional properties 'autoTriger' not allowed/);
    const bad = helm(["template", "x", CHART_DIR, "--set", "autoTrigger.maxJobs=0"]);
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.match(/maxJobs/);
    for (const [set, field] of [
      ["nodeTargets.maxTimeoutSeconds=5", /maxTimeoutSeconds/],
      ["nodeTargets.profile.maxFrequency=1000", /maxFrequency/],
      ["diagnoses.maxOpenPerNamespace=0", /maxOpenPerNamespace/],
      ["diagnoses.maxQueuedSeconds=0", /maxQueuedSeconds/],
      ["collector.imagePullSecrets[0].name=Bad_Name", /name/],
    ] as const) {
      const r = helm(["template", "x", CHART_DIR, "--set", set]);
      expect(r.status, set).to.not.equal(0);
      expect(r.stderr, set).to.match(field);
    }
  });

  it("refuses settings the operator would reject", () => {
    const cases: [string[], RegExp][] = [
      [["-n", "diagnose-system"], /is the release namespace/],
      [
        ["--set", "autoTrigger.maxJobsPerNode=5,autoTrigger.maxJobs=2"],
        /maxJobsPerNode must not exceed/,
      ],
      [["--set", "leaderElection.leaseDurationSeconds=10"], /leaseDurationSeconds must be greater/],
      [["--set", "leaderElection.enabled=false"], /replicaCount > 1 requires leaderElection/],
      [
        ["--set", "leaderElection.renewDeadlineSeconds=6,leaderElection.retryPeriodSeconds=5"],
        /greater than 1.2 x leaderElection.retryPeriodSeconds/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = helm(["template", "x", CHART_DIR, ...args]);
      expect(r.status, args.join(" ")).to.not.equal(0);
      expect(r.stderr).to.match(message);
    }
  });

  it("runs two restricted operator replicas with probes on the metrics port", () => {
    const dep = one(defaults.objects, "Deployment");
    expect(dep.metadata.namespace).to.equal("diagnose-operator");
    expect(dep.spec.replicas).to.equal(2);
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 65532 });
    expect(pod.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
    const [c] = pod.containers;
    expect(c.securityContext).to.deep.include({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(c.securityContext.capabilities).to.deep.equal({ drop: ["ALL"] });
    expect(c.ports).to.deep.equal([{ name: "metrics", containerPort: 8080, protocol: "TCP" }]);
    expect(c.livenessProbe.httpGet).to.deep.equal({ path: "/healthz", port: "metrics" });
    expect(c.readinessProbe.httpGet).to.deep.equal({ path: "/readyz", port: "metrics" });
    expect(c.resources.limits).to.have.keys("cpu", "memory");
    expect(c.env.find((e: Obj) => e.name === "POD_NAME").valueFrom).to.deep.equal({
      fieldRef: { fieldPath: "metadata.name" },
    });
    expect(pod.serviceAccountName).to.equal("diagnose-diagnose-operator");
    expect(pod.automountServiceAccountToken).to.equal(undefined);
  });

  it("caps the V8 old space well under the container memory limit, and drops NODE_OPTIONS when empty", () => {
    const deployment = one(defaults.objects, "Deployment");
    const nodeOptions = envOf(deployment).NODE_OPTIONS ?? "";
    const oldSpace = /--max-old-space-size=(\d+)/.exec(nodeOptions);
    expect(oldSpace, nodeOptions).to.not.equal(null);
    const limitMi = mebibytes(deployment.spec.template.spec.containers[0].resources.limits.memory);
    // Node's binary, loaded code, buffers and the young generation live outside the old space.
    expect(Number(oldSpace![1])).to.be.at.most(limitMi * 0.7);
    expect(envOf(one(custom.objects, "Deployment"))).to.not.have.property("NODE_OPTIONS");
  });

  it("sets env vars the operator's own config parser accepts, matching the values", () => {
    const host = { hostname: "h", pid: 1 };
    const known = new Set(
      [...operatorHelpText().matchAll(/\(env (DIAGNOSE_[A-Z_]+)/g)].map((m) => m[1]),
    );
    expect(known.size).to.be.greaterThan(15);
    for (const { objects } of [defaults, custom]) {
      const env = envOf(one(objects, "Deployment"));
      const unknown = Object.keys(env).filter(
        (k) => !known.has(k) && !AWAITING_OPERATOR_SUPPORT.has(k) && !READ_BY_NODE.has(k),
      );
      expect(unknown, "env vars the operator does not read").to.deep.equal([]);
      const parsed = parseOperatorConfig([], { ...env, POD_NAME: "pod-a" }, host);
      expect(parsed.kind, JSON.stringify(parsed)).to.equal("config");
    }
    const d = parseOperatorConfig([], envOf(one(defaults.objects, "Deployment")), host);
    const c = parseOperatorConfig([], envOf(one(custom.objects, "Deployment")), host);
    if (d.kind !== "config" || c.kind !== "config") throw new Error("unreachable");
    expect(d.config).to.deep.include({
      namespace: "diagnose-system",
      collectorImage: "ghcr.io/diagnose-dev/diagnose-operator:0.1.0",
      collectorServiceAccount: "diagnose-collector",
      collectorCpuLimit: "500m",
      collectorMemoryLimit: "256Mi",
      metricsPort: 8080,
      autoTrigger: true,
      leaderElect: true,
      leaseName: "diagnose-diagnose-operator",
    });
    expect(c.config).to.deep.include({
      namespace: "diag-jobs",
      collectorImage:
        "registry.example.com/diagnose-collector@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      collectorServiceAccount: "diag-collector",
      collectorCpuLimit: "1",
      collectorMemoryLimit: "512Mi",
      collectorPriorityClass: "system-node-critical",
      metricsPort: 9090,
      autoTrigger: false,
      autoNamespaceSelector: "diagnose.dev/auto=enabled",
      cooldownSeconds: 120,
      maxJobsPerNode: 2,
      maxJobs: 20,
      leaseName: "diagnose-leader",
      leaseDurationSeconds: 30,
      logLevel: "debug",
    });
    expect(c.config.watchNamespaces).to.deep.equal(["shop", "payments"]);
    expect(
      JSON.parse(envOf(one(custom.objects, "Deployment")).DIAGNOSE_COLLECTOR_TOLERATIONS!),
    ).to.deep.equal([{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }]);
  });

  it("labels the collector namespace privileged and gives the collector no token and no roles", () => {
    for (const [{ objects }, ns, sa] of [
      [defaults, "diagnose-system", "diagnose-collector"],
      [custom, "diag-jobs", "diag-collector"],
    ] as const) {
      const namespace = one(objects, "Namespace", ns);
      expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal(
        "privileged",
      );
      const collector = one(objects, "ServiceAccount", sa);
      expect(collector.metadata.namespace).to.equal(ns);
      expect(collector.automountServiceAccountToken).to.equal(false);
      const bound = [
        ...find(objects, "RoleBinding"),
        ...find(objects, "ClusterRoleBinding"),
      ].filter((b) => b.subjects.some((s: Obj) => s.kind === "ServiceAccount" && s.name === sa));
      expect(bound, "bindings naming the collector").to.deep.equal([]);
    }
  });

  it("grants no role anything on Secrets, and no wildcards", () => {
    for (const { objects } of [defaults, custom]) {
      for (const role of [...find(objects, "ClusterRole"), ...find(objects, "Role")]) {
        for (const rule of role.rules) {
          expect(rule.resources, role.metadata.name).to.not.include("secrets");
          expect(rule.resources, role.metadata.name).to.not.include("*");
          expect(rule.verbs, role.metadata.name).to.not.include("*");
          expect(rule.apiGroups, role.metadata.name).to.not.include("*");
        }
      }
    }
  });

  it("scopes Jobs, pods/log and Leases to the collector namespace", () => {
    const clusterRule = (r: Obj) =>
      r.resources.some((x: string) => /jobs|pods\/log|leases/.test(x));
    for (const { objects } of [defaults, custom]) {
      for (const cr of find(objects, "ClusterRole"))
        expect(cr.rules.filter(clusterRule)).to.deep.equal([]);
    }
    const role = one(custom.objects, "Role");
    expect(role.metadata.namespace).to.equal("diag-jobs");
    expect(role.rules.map((r: Obj) => r.resources.join())).to.deep.equal([
      "jobs",
      "pods",
      "pods/log",
      "leases",
    ]);
    const binding = one(custom.objects, "RoleBinding");
    expect(binding.metadata.namespace).to.equal("diag-jobs");
    expect(binding.subjects).to.deep.equal([
      { kind: "ServiceAccount", name: "diagnose", namespace: "ops" },
    ]);
  });

  it("aggregates Diagnosis access into edit/view only when asked", () => {
    const labels = (o: Obj) =>
      Object.keys(o.metadata.labels).filter((l) => l.includes("aggregate-to"));
    const edit = one(defaults.objects, "ClusterRole", "diagnose-diagnose-operator-edit");
    const view = one(defaults.objects, "ClusterRole", "diagnose-diagnose-operator-view");
    expect(labels(edit)).to.have.members([
      "rbac.authorization.k8s.io/aggregate-to-admin",
      "rbac.authorization.k8s.io/aggregate-to-edit",
    ]);
    expect(labels(view)).to.deep.equal(["rbac.authorization.k8s.io/aggregate-to-view"]);
    expect(edit.rules[0].verbs).to.include("create");
    expect(view.rules[0].verbs).to.deep.equal(["get", "list", "watch"]);
    expect(find(custom.objects, "ClusterRole").map((r) => r.metadata.name)).to.deep.equal([
      "diagnose-node-diagnoser",
      "diagnose",
    ]);
  });

  it("node targets: a policy asks the authorizer for the cluster-wide right and holds the admin's bounds", () => {
    const role = one(defaults.objects, "ClusterRole", "diagnose-diagnose-operator-node-diagnoser");
    expect(role.rules).to.deep.equal([
      { apiGroups: ["diagnose.dev"], resources: ["nodes"], verbs: ["diagnose"] },
    ]);
    expect(
      find(defaults.objects, "ClusterRoleBinding", "diagnose-diagnose-operator-node-diagnoser"),
      "bound to nobody by default",
    ).to.deep.equal([]);
    const vap = one(defaults.objects, "ValidatingAdmissionPolicy");
    expect(vap.metadata.name).to.equal("diagnose-diagnose-operator-node-targets");
    expect(vap.spec.failurePolicy).to.equal("Fail");
    expect(vap.spec.matchConstraints.resourceRules).to.deep.equal([
      {
        apiGroups: ["diagnose.dev"],
        apiVersions: ["*"],
        operations: ["CREATE"],
        resources: ["diagnoses"],
      },
    ]);
    expect(vap.spec.matchConditions[0].expression).to.equal(
      "has(object.spec.target) && has(object.spec.target.node)",
    );
    const rules = (v: Obj) => v.spec.validations.map((x: Obj) => x.expression);
    expect(rules(vap)).to.deep.equal([
      "authorizer.group('diagnose.dev').resource('nodes').name(variables.node).check('diagnose').allowed()",
      "variables.timeoutSeconds <= 300",
      "!variables.profiled || variables.profileSeconds <= 60",
      "!variables.profiled || variables.profileFrequency <= 99",
    ]);
    const binding = one(defaults.objects, "ValidatingAdmissionPolicyBinding");
    expect(binding.spec).to.deep.equal({
      policyName: "diagnose-diagnose-operator-node-targets",
      validationActions: ["Deny"],
    });

    const customVap = one(custom.objects, "ValidatingAdmissionPolicy");
    expect(rules(customVap)).to.deep.equal([
      "authorizer.group('diagnose.dev').resource('nodes').name(variables.node).check('diagnose').allowed()",
      "variables.timeoutSeconds <= 600",
      "!variables.profiled",
    ]);
    expect(one(custom.objects, "ClusterRoleBinding", "diagnose-node-diagnoser")).to.deep.include({
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "diagnose-node-diagnoser",
      },
      subjects: [{ kind: "Group", name: "sre", apiGroup: "rbac.authorization.k8s.io" }],
    });
    const off = render(["--set", "nodeTargets.enabled=false"]);
    expect(rules(one(off.objects, "ValidatingAdmissionPolicy"))[0]).to.equal("false");
  });

  it("collector: small requests under the limits, system-node-critical with its quota, pull secrets, the operator's default tolerations", () => {
    const env = (o: { objects: Obj[] }) => envOf(one(o.objects, "Deployment"));
    expect(env(defaults)).to.include({
      DIAGNOSE_COLLECTOR_CPU_REQUEST: "10m",
      DIAGNOSE_COLLECTOR_MEMORY_REQUEST: "64Mi",
      DIAGNOSE_COLLECTOR_CPU_LIMIT: "500m",
      DIAGNOSE_COLLECTOR_MEMORY_LIMIT: "256Mi",
      DIAGNOSE_COLLECTOR_PRIORITY_CLASS: "system-node-critical",
      DIAGNOSE_COLLECTOR_IMAGE_PULL_SECRETS: "",
    });
    expect(JSON.parse(env(defaults).DIAGNOSE_COLLECTOR_TOLERATIONS!)).to.deep.equal(
      DEFAULT_COLLECTOR_TOLERATIONS,
    );
    expect(
      JSON.parse(env(defaults).DIAGNOSE_COLLECTOR_TOLERATIONS!).map((t: Obj) => t.key),
      "control-plane nodes only when the chart says so",
    ).to.not.include("node-role.kubernetes.io/control-plane");
    expect(env(custom)).to.include({
      DIAGNOSE_COLLECTOR_CPU_REQUEST: "20m",
      DIAGNOSE_COLLECTOR_MEMORY_REQUEST: "96Mi",
      DIAGNOSE_COLLECTOR_IMAGE_PULL_SECRETS: "collector-pull,mirror-pull",
    });
    const quota = one(defaults.objects, "ResourceQuota");
    expect(quota.metadata.namespace).to.equal("diagnose-system");
    expect(quota.spec).to.deep.equal({
      hard: { pods: "20" },
      scopeSelector: {
        matchExpressions: [
          { scopeName: "PriorityClass", operator: "In", values: ["system-node-critical"] },
        ],
      },
    });
    expect(find(custom.objects, "ResourceQuota"), "criticalPriorityQuota: false").to.deep.equal([]);
    const none = render(["--set", "collector.priorityClassName="]);
    expect(find(none.objects, "ResourceQuota"), "no critical class, no quota").to.deep.equal([]);
    expect(envOf(one(none.objects, "Deployment")).DIAGNOSE_COLLECTOR_PRIORITY_CLASS).to.equal("");
  });

  it("passes the per-namespace limits on Diagnoses to the operator", () => {
    expect(envOf(one(defaults.objects, "Deployment"))).to.include({
      DIAGNOSE_MAX_OPEN_PER_NAMESPACE: "20",
      DIAGNOSE_MAX_QUEUED_SECONDS: "600",
    });
    expect(envOf(one(custom.objects, "Deployment"))).to.include({
      DIAGNOSE_MAX_OPEN_PER_NAMESPACE: "5",
      DIAGNOSE_MAX_QUEUED_SECONDS: "120",
    });
  });

  it("adds a NetworkPolicy for the metrics port only when enabled", () => {
    expect(find(defaults.objects, "NetworkPolicy")).to.deep.equal([]);
    const np = one(custom.objects, "NetworkPolicy");
    const dep = one(custom.objects, "Deployment");
    for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels))
      expect(dep.spec.template.metadata.labels[k]).to.equal(v);
    expect(np.spec.policyTypes).to.deep.equal(["Ingress"]);
    expect(np.spec.ingress).to.deep.equal([
      {
        ports: [{ port: "metrics", protocol: "TCP" }],
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ],
      },
    ]);
    const open = render(["--set", "metrics.networkPolicy.enabled=true"]);
    expect(
      one(open.objects, "NetworkPolicy").spec.ingress,
      "no peers: anyone, that port only",
    ).to.deep.equal([{ ports: [{ port: "metrics", protocol: "TCP" }] }]);
  });

  it("adds a ServiceMonitor only when enabled, pointing at the metrics Service", () => {
    expect(find(defaults.objects, "ServiceMonitor")).to.deep.equal([]);
    const sm = one(custom.objects, "ServiceMonitor");
    const svc = one(custom.objects, "Service");
    expect(sm.metadata.labels.release).to.equal("prometheus");
    expect(sm.spec.endpoints[0]).to.deep.include({
      port: "metrics",
      path: "/metrics",
      interval: "15s",
    });
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      expect(svc.metadata.labels[k]).to.equal(v);
    expect(svc.spec.ports[0]).to.deep.include({ port: 9090, targetPort: "metrics" });
  });

  it("adds the PrometheusRule only when enabled: a Critical finding alerts once per workload and code", () => {
    expect(find(defaults.objects, "PrometheusRule")).to.deep.equal([]);
    const rule = one(custom.objects, "PrometheusRule");
    expect(rule.metadata.namespace).to.equal("ops");
    expect(rule.metadata.labels.release).to.equal("prometheus");
    const alerts = rule.spec.groups.flatMap((g: Obj) => g.rules);
    expect(alerts.map((a: Obj) => a.alert)).to.deep.equal(["DiagnoseCriticalFinding"]);
    const alert = alerts[0];
    // Grouped by the labels the operator puts on diagnose_findings_total, over the set window;
    // a brand-new series (first finding of a workload) is caught by "unless ... offset".
    const expr = String(alert.expr).replace(/\s+/g, " ");
    expect(expr).to.equal(
      'sum by (namespace, workload, code) (increase(diagnose_findings_total{severity="Critical"}[30m])) > 0 or sum by (namespace, workload, code) (diagnose_findings_total{severity="Critical"} unless diagnose_findings_total{severity="Critical"} offset 30m)',
    );
    expect(alert.labels).to.deep.equal({ severity: "critical" });
    // Prometheus' own templates reach it unexpanded by helm.
    expect(alert.annotations.summary).to.equal(
      "{{ $labels.code }} in {{ $labels.namespace }}/{{ $labels.workload }}",
    );
    expect(alert.annotations.description).to.include("kubectl diagnose report NAME");
  });

  it("adds the Grafana dashboard ConfigMap only when enabled, labelled for the sidecar", () => {
    expect(find(defaults.objects, "ConfigMap")).to.deep.equal([]);
    const cm = one(custom.objects, "ConfigMap", "diagnose-dashboard");
    expect(cm.metadata.namespace).to.equal("monitoring");
    expect(cm.metadata.labels.grafana_dashboard).to.equal("1");
    expect(cm.metadata.annotations).to.deep.equal({ grafana_folder: "Diagnose" });
    const dashboard = JSON.parse(cm.data["diagnose-operator.json"]);
    expect(dashboard.uid).to.equal("diagnose-operator");
    const exprs: string[] = dashboard.panels.flatMap((p: Obj) =>
      p.targets.map((t: Obj) => t.expr as string),
    );
    expect(exprs[0]).to.include('diagnose_findings_total{severity="Critical"}');
    expect(exprs.some((e) => e.includes("diagnose_diagnoses"))).to.equal(true);
    // Every panel queries the datasource the user picks (Grafana's $datasource variable).
    const picked = ["$", "{datasource}"].join("");
    for (const p of dashboard.panels) expect(p.datasource.uid).to.equal(picked);
  });

  it("renders the generated CRD by default, kept on uninstall, with the spec of crds/", () => {
    const crd = one(defaults.objects, "CustomResourceDefinition");
    expect(crd.metadata.name).to.equal("diagnoses.diagnose.dev");
    expect(crd.metadata.annotations).to.deep.equal({ "helm.sh/resource-policy": "keep" });
    expect(crd.metadata.labels).to.include({
      "app.kubernetes.io/managed-by": "Helm",
      "app.kubernetes.io/instance": "diagnose",
    });
    const committed = parse(
      readFileSync(join(repoRoot, "crds", "diagnose.dev_diagnoses.yaml"), "utf8"),
    );
    expect(crd.spec).to.deep.equal(committed.spec);
    expect(crd.apiVersion).to.equal(committed.apiVersion);
    // Nothing else may ship it: Helm would install a crds/ copy once and never upgrade it.
    expect(existsSync(join(CHART_DIR, "crds"))).to.equal(false);
  });

  it("crds.keep=false drops the keep annotation; crds.enabled=false renders no CRD", () => {
    const unkept = one(
      render(["-n", "diagnose-operator", "--set", "crds.keep=false"]).objects,
      "CustomResourceDefinition",
    );
    expect(unkept.metadata.annotations).to.equal(undefined);
    expect(unkept.spec.names.kind).to.equal("Diagnosis");
    const off = render(["-n", "diagnose-operator", "--set", "crds.enabled=false"]).objects;
    expect(find(off, "CustomResourceDefinition")).to.deep.equal([]);
    expect(one(off, "Deployment").metadata.name).to.equal("diagnose-diagnose-operator");
  });

  it("ships NOTES with the first kubectl apply", () => {
    const notes = readFileSync(join(CHART_DIR, "templates", "NOTES.txt"), "utf8");
    expect(notes).to.include("kubectl apply -f -");
    expect(notes).to.include("kind: Diagnosis");
    expect(notes).to.include("kubectl get diag");
  });
});
