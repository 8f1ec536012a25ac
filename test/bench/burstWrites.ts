/**
 * Who wrote what during the burst, pure: each Diagnosis write seen on a watch is classified by
 * what it changed against the version before it (status.trigger: the trigger's records; the rest
 * of status: the Diagnosis reconciler; metadata or spec only: anything else), and the Events are
 * tallied by reason (objects created and occurrences counted on them). Writes that changed
 * nothing (no watch event) and failed ones (409) do not show here; the request counts do.
 */

import { stableStringify } from "../../operator/controller/diagnosis/diagnosisRules.js";

export type WriteKind = "trigger" | "reconciler" | "trigger+reconciler" | "other";

interface DiagnosisVersion {
  metadata?: { name?: string };
  status?: Record<string, unknown> & { trigger?: unknown };
}

/** What a write changed, from the version before it to the one it made. */
export function classifyWrite(before: DiagnosisVersion, after: DiagnosisVersion): WriteKind {
  const { trigger: t0, ...rest0 } = before.status ?? {};
  const { trigger: t1, ...rest1 } = after.status ?? {};
  const trigger = stableStringify(t0) !== stableStringify(t1);
  const reconciler = stableStringify(rest0) !== stableStringify(rest1);
  if (trigger && reconciler) return "trigger+reconciler";
  if (trigger) return "trigger";
  if (reconciler) return "reconciler";
  return "other";
}

export interface WriteTally {
  /** Writes by kind, over all Diagnoses. */
  byKind: Record<WriteKind, number>;
  /** How many Diagnoses had n writes after their create (n -> Diagnoses). */
  perDiagnosis: Record<number, number>;
}

/** Follows ADDED/MODIFIED events of Diagnoses and tallies their writes. */
export class WriteTracker {
  private readonly last = new Map<string, DiagnosisVersion>();
  private readonly writes = new Map<string, number>();
  private readonly byKind: Record<WriteKind, number> = {
    trigger: 0,
    reconciler: 0,
    "trigger+reconciler": 0,
    other: 0,
  };

  observe(type: string, object: DiagnosisVersion): void {
    const name = object.metadata?.name;
    if (!name || (type !== "ADDED" && type !== "MODIFIED")) return;
    const before = this.last.get(name);
    this.last.set(name, object);
    if (type === "ADDED" || !before) {
      this.writes.set(name, 0);
      return;
    }
    this.byKind[classifyWrite(before, object)]++;
    this.writes.set(name, (this.writes.get(name) ?? 0) + 1);
  }

  tally(): WriteTally {
    const perDiagnosis: Record<number, number> = {};
    for (const n of this.writes.values()) perDiagnosis[n] = (perDiagnosis[n] ?? 0) + 1;
    return { byKind: { ...this.byKind }, perDiagnosis };
  }
}

export interface EventTally {
  /** reason -> Event objects and the occurrences counted on them. */
  [reason: string]: { events: number; occurrences: number };
}

/** Events by reason: how many objects, and their summed `count`. */
export function tallyEvents(
  events: readonly { reason?: string; count?: number; series?: { count?: number } }[],
): EventTally {
  const out: EventTally = {};
  for (const e of events) {
    const reason = e.reason ?? "";
    const t = out[reason] ?? { events: 0, occurrences: 0 };
    out[reason] = t;
    t.events++;
    t.occurrences += e.count ?? e.series?.count ?? 1;
  }
  return out;
}
