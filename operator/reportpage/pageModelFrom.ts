/**
 * ReportPageModel from a Diagnosis (the cluster's object or a saved `kubectl get diag -o json`)
 * or from the collector's own report. Pure; reads its input as untrusted JSON.
 */
import { verdictSentence } from "../analysis/verdictLine.js";
import { decodeCollapsed } from "../report/collapsedBlob.js";
import { weightingSubtitle } from "../report/stackWeighting.js";
import { memoryPicture } from "./memoryPicture.js";
import {
  asNumber,
  asString,
  checkTimings,
  isRecord,
  type PageFact,
  type ProfileStacks,
  type ReportPageModel,
  type RestartHistory,
  type RestartPoint,
  sanitizeFindings,
} from "./pageModel.js";

/** Folded stacks a status may inflate to on the page (the collector caps its blob at 256 KiB of gzip). */
const MAX_COLLAPSED_BYTES = 32 * 1024 * 1024;
const MAX_RESTARTS = 200;

type Json = Record<string, unknown>;

const rec = (v: unknown): Json => (isRecord(v) ? v : {});

function fact(facts: PageFact[], label: string, value: unknown): void {
  const s = typeof value === "number" ? String(value) : asString(value, 512);
  if (s) facts.push({ label, value: s });
}

function checkData(checks: Json, name: string): unknown {
  const r = rec(checks[name]);
  return r.status === "ok" ? r.data : undefined;
}

/** The profile check's stacks, decoded; a problem line when they are there but unreadable. */
function profileOf(
  checks: Json,
  title: string,
  subtitle: string | undefined,
  problems: string[],
): ProfileStacks | undefined {
  const profile = rec(checks.profile);
  if (profile.status !== undefined && profile.status !== "ok") {
    problems.push(
      `The profile check did not run: ${asString(profile.reason, 512) ?? String(profile.status)}`,
    );
    return undefined;
  }
  if (profile.truncated === true) {
    problems.push(
      "The profile was too large for the status: read it from the collector's pod log.",
    );
    return undefined;
  }
  const blob = rec(rec(profile.data).collapsed);
  if (blob.encoding !== "gzip+base64" || typeof blob.data !== "string") return undefined;
  try {
    const collapsed = decodeCollapsed(
      { encoding: "gzip+base64", data: blob.data },
      MAX_COLLAPSED_BYTES,
    );
    const note = asString(blob.note, 512);
    const weighting = blob.weighting === "period" ? "period" : "samples";
    const sub = [subtitle, weightingSubtitle(weighting, asString(blob.event, 64)), note]
      .filter(Boolean)
      .join(" · ");
    return sub ? { collapsed, title, subtitle: sub } : { collapsed, title };
  } catch (e) {
    problems.push(`The profile stacks could not be decoded: ${(e as Error).message}`);
    return undefined;
  }
}

function restartHistory(d: Json, checks: Json): RestartHistory | undefined {
  const status = rec(d.status);
  const trigger = rec(status.trigger);
  const points: RestartPoint[] = [];
  const pod = asString(rec(rec(d.spec).target).pod, 253);
  const container = asString(rec(status.target).container, 63);
  if (trigger.source === "PodRestart") {
    const first: RestartPoint = {
      kind: "restart",
      what: [pod, container].filter(Boolean).join("/") || "the container",
    };
    const time = asString(rec(d.metadata).creationTimestamp, 64);
    if (time) first.time = time;
    const n = asNumber(trigger.restartCount);
    if (n !== undefined) first.restartCount = n;
    const code = asNumber(trigger.exitCode);
    if (code !== undefined) first.exitCode = code;
    const reason = asString(trigger.reason, 128);
    if (reason) first.reason = reason;
    points.push(first);
  }
  const recorded = Array.isArray(trigger.restarts) ? trigger.restarts.slice(0, MAX_RESTARTS) : [];
  for (const r of recorded) {
    if (!isRecord(r)) continue;
    const p: RestartPoint = {
      kind: "restart",
      what: [asString(r.pod, 253), asString(r.container, 63)].filter(Boolean).join("/") || "?",
    };
    const time = asString(r.observedAt, 64);
    if (time) p.time = time;
    const n = asNumber(r.restartCount);
    if (n !== undefined) p.restartCount = n;
    const code = asNumber(r.exitCode);
    if (code !== undefined) p.exitCode = code;
    const reason = asString(r.reason, 128);
    if (reason) p.reason = reason;
    points.push(p);
  }
  points.push(...oomKillPoints(checkData(checks, "memory")));
  if (points.length === 0) return undefined;
  const observed = asNumber(trigger.restartsObserved);
  const restartPoints = points.filter((p) => p.kind === "restart").length;
  return { points, unrecorded: observed === undefined ? 0 : Math.max(0, observed - restartPoints) };
}

/** The kernel's OOM kills of the target, from the memory check's kernel log. */
function oomKillPoints(memoryData: unknown): RestartPoint[] {
  const kills = rec(rec(memoryData).kernelLog).oomKills;
  if (!Array.isArray(kills)) return [];
  const out: RestartPoint[] = [];
  for (const k of kills.slice(-MAX_RESTARTS)) {
    if (!isRecord(k)) continue;
    const v = rec(k.victim);
    const p: RestartPoint = {
      kind: "oomKill",
      what: `${asString(v.name, 64) ?? "a process"} (pid ${asNumber(v.pid) ?? "?"})`,
      reason: k.kind === "node" ? "node OOM kill" : "cgroup OOM kill",
    };
    const time = asString(k.time, 64);
    if (time) p.time = time;
    out.push(p);
  }
  return out;
}

/** One Diagnosis out of the file: the object itself, or the item NAME of a List. */
export function pickDiagnosis(doc: unknown, name?: string): Json {
  const d = rec(doc);
  if (Array.isArray(d.items)) {
    const items = d.items.filter(isRecord);
    const names = items.map((i) => asString(rec(i.metadata).name, 253) ?? "?");
    if (name !== undefined) {
      const found = items.find((i) => rec(i.metadata).name === name);
      if (!found)
        throw new Error(`no Diagnosis ${name} in the file (it has: ${names.join(", ") || "none"})`);
      return found;
    }
    if (items.length === 1) return items[0]!;
    throw new Error(
      `the file holds ${items.length} Diagnoses (${names.slice(0, 20).join(", ")}): name one`,
    );
  }
  if (d.kind !== "Diagnosis")
    throw new Error(
      `the file holds a ${asString(d.kind, 64) ?? "document without a kind"}, not a Diagnosis`,
    );
  if (name !== undefined && rec(d.metadata).name !== name)
    throw new Error(
      `the file holds Diagnosis ${asString(rec(d.metadata).name, 253) ?? "?"}, not ${name}`,
    );
  return d;
}

export function pageModelFromDiagnosis(diagnosis: unknown, baseline?: unknown): ReportPageModel {
  const d = rec(diagnosis);
  const meta = rec(d.metadata);
  const spec = rec(d.spec);
  const target = rec(spec.target);
  const status = rec(d.status);
  const resolved = rec(status.target);
  const report = rec(status.report);
  const checks = rec(report.checks);
  const findings = sanitizeFindings(status.findings);
  const problems: string[] = [];
  const ns = asString(meta.namespace, 63) ?? "";
  const name = asString(meta.name, 253) ?? "?";
  const targetText = target.pod
    ? `pod ${asString(target.pod, 253)}${resolved.container || target.container ? `, container ${asString(target.container ?? resolved.container, 63)}` : ""}`
    : target.node
      ? `node ${asString(target.node, 253)}`
      : undefined;

  const facts: PageFact[] = [];
  fact(facts, "Target", targetText);
  fact(facts, "Node", resolved.node);
  fact(facts, "Image", resolved.image);
  const trigger = rec(status.trigger);
  if (trigger.source) {
    const bits = [asString(trigger.source, 32), asString(trigger.reason, 128)];
    if (asNumber(trigger.exitCode) !== undefined) bits.push(`exit ${trigger.exitCode}`);
    if (asString(trigger.workload, 253)) bits.push(`workload ${asString(trigger.workload, 253)}`);
    fact(facts, "Trigger", bits.filter(Boolean).join(", "));
  }
  fact(facts, "Created", meta.creationTimestamp);
  fact(facts, "Started", status.startTime);
  fact(facts, "Completed", status.completionTime);
  fact(facts, "Collector Job", status.jobName);
  const collector = rec(report.collector);
  if (collector.version)
    fact(
      facts,
      "Collector",
      `${asString(collector.version, 32)}, took ${asNumber(collector.durationMs) ?? "?"} ms`,
    );

  const phase = asString(status.phase, 32);
  if (phase === "Failed") {
    for (const c of Array.isArray(status.conditions) ? status.conditions.slice(0, 16) : []) {
      const cond = rec(c);
      if (cond.status === "True" && cond.type === "Failed")
        problems.push(
          `Failed (${asString(cond.reason, 128) ?? "?"}): ${asString(cond.message, 2048) ?? ""}`,
        );
    }
  }
  // The Verdict column holds a short line; the Completed condition the whole sentence.
  const completed = (Array.isArray(status.conditions) ? status.conditions : [])
    .map(rec)
    .find((c) => c.type === "Completed" && c.status === "True");
  const sentence = asString(completed?.message, 1024);
  const title = `${ns}/${name}`;
  const subtitle = asString(resolved.node, 253)
    ? `node ${asString(resolved.node, 253)}`
    : undefined;
  const model: ReportPageModel = {
    title,
    origin: "Diagnosis",
    verdict:
      sentence ??
      asString(status.verdict, 1024) ??
      (findings.length ? verdictSentence(findings, []) : `No findings yet (${phase ?? "Pending"})`),
    facts,
    findings,
    checks: checkTimings(checks),
    problems,
  };
  if (phase) model.phase = phase;
  const picture = memoryPicture({
    findings,
    memoryData: checkData(checks, "memory"),
    jvmData: checkData(checks, "jvm"),
    ...(asNumber(resolved.memoryLimitBytes) !== undefined
      ? { limitHint: asNumber(resolved.memoryLimitBytes) }
      : {}),
  });
  if (picture) model.memory = picture;
  const restarts = restartHistory(d, checks);
  if (restarts) model.restarts = restarts;
  const profile = profileOf(
    checks,
    `${title}: ${asString(target.pod ?? target.node, 253) ?? ""}`,
    subtitle,
    problems,
  );
  if (profile) model.profile = profile;
  if (baseline !== undefined && profile) {
    const b = rec(baseline);
    const bName = `${asString(rec(b.metadata).namespace, 63) ?? ""}/${asString(rec(b.metadata).name, 253) ?? "?"}`;
    const base = profileOf(rec(rec(rec(b.status).report).checks), bName, undefined, problems);
    if (base) model.baselineProfile = base;
    else problems.push(`The baseline ${bName} has no profile to compare with.`);
  }
  return model;
}

/** The collector's report (CollectorReport JSON), as `diagnose-collector --html` shows it. */
export function pageModelFromCollectorReport(report: unknown, baseline?: unknown): ReportPageModel {
  const r = rec(report);
  const t = rec(r.target);
  const checks = rec(r.checks);
  const findings = sanitizeFindings(r.findings);
  const problems: string[] = [];
  const host = asString(t.hostname, 253) ?? "?";
  const pids = Array.isArray(t.pids)
    ? t.pids.filter((p) => typeof p === "number").slice(0, 16)
    : [];
  const title = t.kind === "node" ? `node ${host}` : `pid ${pids.join(", ") || "?"} on ${host}`;
  const facts: PageFact[] = [];
  fact(facts, "Target", t.kind === "node" ? `node ${host}` : `pids ${pids.join(", ")}`);
  fact(facts, "Container", asString(t.containerId, 128));
  const paths = rec(t.cgroupPaths);
  const cg = Object.entries(paths)
    .slice(0, 8)
    .map(([k, v]) => `${k.slice(0, 32)}=${asString(v, 512) ?? "?"}`)
    .join(" ");
  if (cg) fact(facts, `cgroup v${asNumber(t.cgroupVersion) ?? "?"}`, cg);
  const c = rec(r.collector);
  fact(facts, "Started", c.startedAt);
  if (c.version)
    fact(
      facts,
      "Collector",
      `${asString(c.version, 32)}, took ${asNumber(c.durationMs) ?? "?"} ms`,
    );
  const model: ReportPageModel = {
    title,
    origin: "collector report",
    verdict: verdictSentence(findings, Object.keys(checks)),
    facts,
    findings,
    checks: checkTimings(checks),
    problems,
  };
  const picture = memoryPicture({
    findings,
    memoryData: checkData(checks, "memory"),
    jvmData: checkData(checks, "jvm"),
  });
  if (picture) model.memory = picture;
  const restarts = restartHistory({}, checks);
  if (restarts) model.restarts = restarts;
  const profile = profileOf(checks, `${title}: profile`, undefined, problems);
  if (profile) model.profile = profile;
  if (baseline !== undefined && profile) {
    const base = profileOf(rec(rec(baseline).checks), "baseline", undefined, problems);
    if (base) model.baselineProfile = base;
    else problems.push("The baseline report has no profile to compare with.");
  }
  return model;
}
