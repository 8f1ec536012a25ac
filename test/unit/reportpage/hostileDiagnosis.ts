/**
 * A Diagnosis whose every free-text field carries markup, as a hostile target could plant it
 * (process names, iptables comments, interface names and frame names come from the target, and
 * a saved file can hold anything). Written for the escaping tests, not captured.
 */
import { encodeCollapsed } from "../../../operator/report/collapsedBlob.js";

/** Tries a tag, an attribute break-out, an SVG break-out and a script end, each setting a flag. */
export const HOSTILE =
  `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">` +
  `"'><svg onload="window.__pwned=3"></svg></script></svg><iframe src="javascript:window.__pwned=4">`;

export function hostileDiagnosis(): Record<string, unknown> {
  const stacks = new Map([
    [`java;${HOSTILE};leaf`, 40],
    ["java;net_rx_action_[k];tcp_v4_rcv_[k]", 60],
  ]);
  return {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: {
      name: "hostile",
      namespace: "shop",
      creationTimestamp: "2026-11-29T10:00:00Z",
    },
    spec: { target: { pod: HOSTILE, container: HOSTILE }, checks: ["memory", "jvm", "profile"] },
    status: {
      phase: "Succeeded",
      verdict: `Critical: ${HOSTILE}`,
      target: { node: HOSTILE, image: HOSTILE, memoryLimitBytes: 209715200 },
      trigger: {
        source: "PodRestart",
        reason: HOSTILE,
        exitCode: 137,
        restartCount: 1,
        restarts: [
          {
            pod: HOSTILE,
            container: HOSTILE,
            reason: HOSTILE,
            restartCount: 2,
            observedAt: "2026-11-29T10:01:00Z",
          },
        ],
      },
      findings: [
        {
          check: "memory",
          severity: "Critical",
          code: HOSTILE,
          summary: HOSTILE,
          remediation: `Run nsenter --net=/proc/1/ns/net iptables -t filter -D INPUT -m comment --comment "${HOSTILE}" -j DROP`,
          evidence: {
            [HOSTILE]: HOSTILE,
            victim: { name: HOSTILE, pid: 1 },
            usageBytes: 209715200,
            limitBytes: 209715200,
            anonShare: 0.9,
            nested: { deeper: [HOSTILE] },
          },
        },
        {
          check: "jvm",
          severity: "Warning",
          code: "JvmFootprintExceedsLimit",
          summary: "parts",
          evidence: {
            pid: 1,
            parts: [{ part: "heap", label: HOSTILE, bytes: 104857600, source: HOSTILE }],
          },
        },
      ],
      report: {
        checks: {
          [HOSTILE]: { status: HOSTILE, durationMs: 1, reason: HOSTILE },
          profile: { status: "ok", durationMs: 2000, data: { collapsed: encodeCollapsed(stacks) } },
        },
      },
    },
  };
}
