/** What `--wait` shows while a Diagnosis runs: a live line, and a log line per change. Pure. */
import type { Condition, Diagnosis } from "../api/v1alpha1/diagnosis.js";
import { DEFAULT_CHECKS } from "../api/v1alpha1/diagnosis.js";
import { formatElapsed } from "./parseDuration.js";

export function isFinished(d: Diagnosis): boolean {
  return d.status?.phase === "Succeeded" || d.status?.phase === "Failed";
}

/** Checks with a result in status.report, against those requested. */
function checksDone(d: Diagnosis): { done: number; total: number } {
  const total = (d.spec?.checks ?? DEFAULT_CHECKS).length;
  const checks = d.status?.report?.checks;
  const done = checks && typeof checks === "object" ? Object.keys(checks).length : 0;
  return { done: Math.min(done, total), total };
}

/** "JobCreated=True JobCreated: collector Job diag-... created" */
function conditionLine(c: Condition): string {
  return `${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ""}`;
}

/** "tomcat-oom  Running  12.3s  checks 0/5  JobCreated: collector Job diag-... created" */
export function progressLine(d: Diagnosis, elapsedMs: number): string {
  const phase = d.status?.phase ?? "Pending";
  const { done, total } = checksDone(d);
  const latest = [...(d.status?.conditions ?? [])].sort((a, b) =>
    a.lastTransitionTime < b.lastTransitionTime ? -1 : 1,
  );
  const last = latest.at(-1);
  const parts = [d.metadata.name ?? "", phase, formatElapsed(elapsedMs), `checks ${done}/${total}`];
  if (last) parts.push(conditionLine(last));
  return parts.join("  ");
}

/** Log lines for what changed between two observations: phase, conditions, verdict. */
export function describeChanges(before: Diagnosis | undefined, after: Diagnosis): string[] {
  const out: string[] = [];
  const was = before?.status?.phase ?? (before ? "Pending" : undefined);
  const now = after.status?.phase ?? "Pending";
  if (was !== now) out.push(was ? `phase ${was} -> ${now}` : `phase ${now}`);
  const old = new Map((before?.status?.conditions ?? []).map((c) => [c.type, c]));
  for (const c of after.status?.conditions ?? []) {
    const o = old.get(c.type);
    if (o && o.status === c.status && o.reason === c.reason && o.message === c.message) continue;
    out.push(conditionLine(c));
  }
  if (after.status?.verdict && after.status.verdict !== before?.status?.verdict)
    out.push(`verdict: ${after.status.verdict}`);
  return out;
}
