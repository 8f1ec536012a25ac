import type { Finding } from "../api/v1alpha1/diagnosis.js";
import type { ProfileEvidence } from "../report/evidence/profileEvidence.js";

/** Frames that mean the CPU is receiving network traffic (softirq NET_RX path). */
const NETWORK_RECEIVE_FRAMES = [
  "net_rx_action",
  "__netif_receive_skb",
  "ip_rcv",
  "tcp_v4_rcv",
  "tcp_v6_rcv",
  "ip_forward",
  "br_handle_frame",
];

export const PROFILE_THRESHOLDS = {
  /** Share of samples with network receive frames on the stack worth naming. */
  networkReceivePercent: 10,
  kernelPercent: 50,
};

/** Findings from a profile: where the time goes. Pure. */
export function analyzeProfile(data: ProfileEvidence, t = PROFILE_THRESHOLDS): Finding[] {
  if (data.samples === 0 && data.unrecognizedLines > 0) {
    return [
      {
        check: "profile",
        severity: "Warning",
        code: "ProfileNotUnderstood",
        summary: `perf script printed ${data.unrecognizedLines} line(s) this collector could not read and no sample it could (${describe(data)}); the profile is unknown, not idle. First line not understood: ${JSON.stringify(data.firstUnrecognizedLine ?? "")}`,
        evidence: {
          unrecognizedLines: data.unrecognizedLines,
          firstUnrecognizedLine: data.firstUnrecognizedLine,
        },
        remediation:
          "Run perf script with its default fields (or -F comm,pid,tid,cpu,time,period,event,ip,sym,dso) and report the line above if it should be understood.",
        source: "Collector",
      },
    ];
  }
  if (data.samples === 0) {
    return [
      {
        check: "profile",
        severity: "Info",
        code: "ProfileEmpty",
        summary: `perf recorded no samples in ${data.seconds}s (${describe(data)}): the target was idle`,
        source: "Collector",
      },
    ];
  }
  const findings: Finding[] = [];
  const top = data.top;
  const hottest = top.bySelf[0];
  findings.push({
    check: "profile",
    severity: "Info",
    code: "ProfileHotFrames",
    summary:
      `${data.samples} samples over ${data.seconds}s (${describe(data)}); ` +
      `hottest: ${top.bySelf
        .slice(0, 3)
        .map((f) => `${f.frame} ${f.percent}%`)
        .join(", ")}; kernel ${top.kernelPercent}%${
        (top.idlePercent ?? 0) > 0 ? `, idle ${top.idlePercent}%` : ""
      }${
        data.unrecognizedLines > 0
          ? `; ${data.unrecognizedLines} perf script line(s) not understood`
          : ""
      }${
        data.otherEventSamples
          ? `; ${data.otherEventSamples} samples of events other than ${data.event} left out`
          : ""
      }${data.collapseLimitNote ? `; ${data.collapseLimitNote}` : ""}`,
    evidence: {
      bySelf: top.bySelf.slice(0, 10),
      byTotal: top.byTotal.slice(0, 10),
      byProcess: top.byProcess.slice(0, 5),
      collapsedCapped: data.collapsed.capped,
      weighting: data.collapsed.weighting ?? "samples",
      event: data.event,
      idlePercent: top.idlePercent,
      unrecognizedLines: data.unrecognizedLines,
      ...(data.collapseLimitNote ? { collapseLimitNote: data.collapseLimitNote } : {}),
      ...(hottest ? { hottest: hottest.frame } : {}),
    },
    remediation:
      "Render the flame graph: diagnose-collector flamegraph --report report.json > profile.svg",
    source: "Collector",
  });
  const rx = top.byTotal.filter((f) => NETWORK_RECEIVE_FRAMES.includes(f.frame));
  const rxPercent = Math.max(0, ...rx.map((f) => f.percent));
  if (rxPercent >= t.networkReceivePercent) {
    findings.push({
      check: "profile",
      severity: "Warning",
      code: "NetworkReceiveHot",
      summary: `${rxPercent}% of CPU samples are in the kernel's network receive path (${rx.map((f) => f.frame).join(", ")})`,
      evidence: { frames: rx, kernelPercent: top.kernelPercent },
      remediation:
        "Packets are costing CPU in softirq: see the softirq check's NET_RX rate and SYN evidence; spread receive work (RSS/RPS, IRQ affinity) and filter the traffic upstream.",
      source: "Collector",
    });
  } else if (top.kernelPercent >= t.kernelPercent) {
    findings.push({
      check: "profile",
      severity: "Warning",
      code: "KernelTimeDominant",
      summary: `${top.kernelPercent}% of CPU samples are in the kernel; top kernel frames: ${top.bySelf
        .filter((f) => f.kind === "kernel")
        .slice(0, 3)
        .map((f) => f.frame)
        .join(", ")}`,
      evidence: { bySelf: top.bySelf.filter((f) => f.kind === "kernel").slice(0, 10) },
      remediation:
        "Read the flame graph's kernel towers to see which subsystem (network, memory reclaim, locks, I/O) takes the time.",
      source: "Collector",
    });
  }
  return findings;
}

function describe(d: ProfileEvidence): string {
  if (d.mode === "node") return "whole node";
  if (d.mode === "kernelThread")
    return `kernel threads ${(d.threads ?? []).map((t) => t.comm).join(", ")}`;
  return `pid ${d.pids.join(",")}`;
}
