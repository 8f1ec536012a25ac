/** The demo's closing text: what just happened, and how to do it on a real cluster. Pure. */

export interface ScenarioOutcome {
  scenario: "S1" | "S2";
  diagnosis: string;
  verdict: string | undefined;
  /** Finding codes, most severe first. */
  codes: string[];
  /** Codes the demo expected and did not get. */
  missing: string[];
}

/** The codes each scenario must produce; S2 needs one of the two MTU codes. */
export function missingCodes(scenario: "S1" | "S2", codes: readonly string[]): string[] {
  const has = (c: string): boolean => codes.includes(c);
  if (scenario === "S1") return ["OOMKilledByCgroup", "JvmHeapExceedsLimit"].filter((c) => !has(c));
  const missing = has("IptablesDropRule") ? [] : ["IptablesDropRule"];
  if (!has("MtuMismatch") && !has("MtuTooSmall")) missing.push("MtuMismatch or MtuTooSmall");
  return missing;
}

export function closingNotes(outcomes: readonly ScenarioOutcome[], namespace: string): string {
  const lines = [
    "What you just saw",
    "-----------------",
    "S1  A JVM started with -Xmx1g in a container limited to 200Mi was OOM-killed by the kernel",
    "    (a real memory cgroup, shaped like a kubelet's). The pod's status recorded the restart",
    "    (exit 137, OOMKilled); the operator's restart trigger created a Diagnosis by itself and a",
    "    collector Job pinned to the node. The collector, run for that Job's pod, found the",
    "    container by its ID in /proc/*/cgroup, read the kernel log and the JVM's own counters,",
    "    and the findings came back through the pod's log / termination message into the status.",
    "S2  A pod network namespace with random iptables DROP rules and an MTU of 100 was diagnosed",
    "    through a Diagnosis applied by hand, the same way.",
    "",
  ];
  for (const o of outcomes) {
    lines.push(`${o.scenario}  ${o.diagnosis}: ${o.verdict ?? "(no verdict)"}`);
    lines.push(`    findings: ${o.codes.join(", ") || "(none)"}`);
    if (o.missing.length) lines.push(`    MISSING expected: ${o.missing.join(", ")}`);
  }
  lines.push(
    "",
    "Only the kubelet and the container runtime were played locally (no image pulls, no runc);",
    "the API server, controller-manager, operator, Job controller and collector were the real ones.",
    "",
    "On a real cluster",
    "-----------------",
    "  helm install diagnose-operator ./charts/diagnose-operator \\",
    "    --namespace diagnose-operator --create-namespace",
    "  kubectl apply -f - <<'YAML'",
    "  apiVersion: diagnose.dev/v1alpha1",
    "  kind: Diagnosis",
    "  metadata: { name: first-diagnosis, namespace: NAMESPACE }",
    "  spec: { target: { pod: POD }, checks: [memory, jvm, cpu, network] }",
    "  YAML",
    `  kubectl get diag -n NAMESPACE -w        # here: kubectl get diag -n ${namespace}`,
    "  kubectl diagnose get first-diagnosis -n NAMESPACE   # the plugin: findings as a table",
    "",
    "Pods restarting with exit code 137 get a Diagnosis automatically (see the chart's",
    'autoTrigger values); opt a pod out with the annotation diagnose.dev/auto: "false".',
  );
  return `${lines.join("\n")}\n`;
}
