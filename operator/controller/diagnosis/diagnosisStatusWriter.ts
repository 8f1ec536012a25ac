/**
 * The one writer of a Diagnosis' status (all but status.trigger, which the trigger owns): every
 * transition the reconciler makes is a method here. Conditions go through the conditions
 * helper, the phase is derived from them, a write happens only when something changed, and
 * each transition worth seeing in `kubectl describe` is recorded as an Event after the write.
 *
 * Restart records the trigger has not written yet ride along (status.trigger, claimed from its
 * TriggerStatusWriter): a triggered Diagnosis' first write here comes right after its create,
 * while the restart that made it waits for its own first write; one write then says both.
 *
 * The merge patch stays guarded by resourceVersion although the trigger writes status.trigger
 * too: this writer decides conditions from what it read, so it must not write from a stale view.
 * The trigger's patch is unguarded (it owns status.trigger alone) and so never fails on ours;
 * when it lands between our read and write, ours gets a ConflictError, which the runtime
 * requeues quietly and the next reconcile decides again from the newer object.
 */
import type {
  Diagnosis,
  DiagnosisStatus,
  Finding,
  ResolvedTarget,
} from "../../api/v1alpha1/diagnosis.js";
import { TRIGGER_LABEL } from "../../api/v1alpha1/wellKnown.js";
import type { CachedDiagnosis, DiagnosisHead } from "../kinds/diagnosisTransform.js";
import { type Clock, TerminalError } from "../runtime/contracts.js";
import type { ClaimedRecords } from "../trigger/triggerStatusWriter.js";
import type { ClusterClient } from "./clusterClient.js";
import {
  COMPLETED,
  type ConditionInput,
  changedConditions,
  derivePhase,
  FAILED,
  JOB_CREATED,
  setCondition,
} from "./conditions.js";
import { effectiveChecks, mergeFindings, stableStringify, verdictFor } from "./diagnosisRules.js";
import type { EventSink, EventType } from "./eventRecorder.js";

type StatusFields = Partial<Record<keyof DiagnosisStatus, unknown>>;

interface ExtraEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** Event reasons for condition transitions (the rest use the condition's own reason). */
const EVENT_REASON: Record<string, string> = {
  WaitingForTarget: "Pending",
  CollectorRunning: "Running",
};

/** What target resolution found before any collector ran. */
export interface ResolvedFacts {
  target: ResolvedTarget;
  /** Findings from the pod spec alone; the collector's replace them later. */
  preliminary: readonly Finding[];
}

/** Restart records waiting for status.trigger (the trigger's TriggerStatusWriter). */
export interface PendingTriggerRecords {
  claim(base: DiagnosisHead): ClaimedRecords | undefined;
}

export interface DiagnosisStatusWriterDeps {
  client: Pick<ClusterClient, "patchDiagnosisStatus">;
  /** With the pod-restart trigger on: its records, written with ours when some wait. */
  triggerRecords?: PendingTriggerRecords;
  events: EventSink;
  clock: Clock;
  /** diagnose_findings_total: each finding counted once, when its Diagnosis completes. */
  findingsCounter?: { inc(labels: Record<string, string>, by?: number): void };
}

/** Who a Diagnosis is about, for alerts: the trigger's workload, else the pod or node. */
export function workloadOf(d: DiagnosisHead): string {
  return (
    d.status?.trigger?.workload ??
    (d.spec.target.pod ? `pod/${d.spec.target.pod}` : `node/${d.spec.target.node ?? ""}`)
  );
}

export class DiagnosisStatusWriter {
  constructor(private readonly deps: DiagnosisStatusWriterDeps) {}

  /** JobCreated False WaitingForTarget: the pod is not scheduled or started yet. */
  async waitingForTarget(d: DiagnosisHead, message: string): Promise<void> {
    await this.write(d, {
      conditions: [{ type: JOB_CREATED, status: "False", reason: "WaitingForTarget", message }],
    });
  }

  /** JobCreated False Queued: no collector slot free; the target is known already. */
  async queued(d: CachedDiagnosis, message: string, facts: ResolvedFacts): Promise<void> {
    const fields = this.factFields(d, facts);
    await this.write(
      d,
      {
        conditions: [
          {
            type: JOB_CREATED,
            status: "False",
            reason: "Queued",
            message: `waiting for a collector slot: ${message}`,
          },
        ],
        fields,
      },
      preliminaryEvent(d, fields, facts),
    );
  }

  /** JobCreated True: the collector Job exists; startTime is kept from an earlier write. */
  async jobCreated(
    d: CachedDiagnosis,
    job: { namespace: string; name: string; node: string },
    facts: ResolvedFacts,
  ): Promise<void> {
    const fields = this.factFields(d, facts);
    await this.write(
      d,
      {
        conditions: [
          {
            type: JOB_CREATED,
            status: "True",
            reason: "JobCreated",
            message: `collector Job ${job.namespace}/${job.name} on node ${job.node}`,
          },
        ],
        fields: {
          ...fields,
          jobName: job.name,
          startTime: d.status?.startTime ?? this.deps.clock.now().toISOString(),
        },
      },
      preliminaryEvent(d, fields, facts),
    );
  }

  /** JobCreated True CollectorRunning: its pod runs. */
  async collectorRunning(d: DiagnosisHead, message: string): Promise<void> {
    await this.write(d, {
      conditions: [{ type: JOB_CREATED, status: "True", reason: "CollectorRunning", message }],
    });
  }

  /**
   * Completed: the findings, the short verdict for the column, the sentence in the condition.
   * `d` is the stored object (a GET): the cache has no findings or report to compare with.
   */
  async completed(
    d: Diagnosis,
    result: {
      findings: Finding[];
      verdict: string;
      verdictSentence: string;
      report: Record<string, unknown>;
    },
  ): Promise<void> {
    const { findings, verdict, report } = result;
    const written = await this.write(d, {
      conditions: [
        { type: COMPLETED, status: "True", reason: "Succeeded", message: result.verdictSentence },
      ],
      fields: { findings, verdict, report, completionTime: this.deps.clock.now().toISOString() },
    });
    // Counted after the write that completed it: a retried or repeated reconcile writes nothing.
    if (written && this.deps.findingsCounter) {
      const namespace = d.metadata.namespace ?? "";
      const workload = workloadOf(d);
      for (const f of findings)
        this.deps.findingsCounter.inc({ namespace, workload, code: f.code, severity: f.severity });
    }
  }

  async failed(d: DiagnosisHead, reason: string, message: string): Promise<void> {
    await this.write(d, {
      conditions: [{ type: FAILED, status: "True", reason, message }],
      fields: { completionTime: this.deps.clock.now().toISOString() },
    });
  }

  /** The resolved target, and the preliminary findings while the status has none yet. */
  private factFields(d: CachedDiagnosis, facts: ResolvedFacts): StatusFields {
    const fields: StatusFields = { target: facts.target };
    if (d.findingsSummary.count === 0 && facts.preliminary.length) {
      fields.findings = mergeFindings([], facts.preliminary);
      fields.verdict = verdictFor(facts.preliminary, effectiveChecks(d.spec)).line;
    }
    return fields;
  }

  /** Writes only when something changed; true when it wrote. */
  private async write(
    d: DiagnosisHead,
    change: { conditions?: ConditionInput[]; fields?: StatusFields },
    extraEvents: ExtraEvent[] = [],
  ): Promise<boolean> {
    // A settled cache entry has no condition messages to keep: writing from it would erase them.
    if ((d as CachedDiagnosis).settled)
      throw new TerminalError(
        `${d.metadata.namespace}/${d.metadata.name} is finished; its status is not written again`,
      );
    const now = this.deps.clock.now();
    let conditions = d.status?.conditions;
    for (const c of change.conditions ?? [])
      conditions = setCondition(conditions, c, d.metadata.generation, now);
    const status: StatusFields = {
      ...change.fields,
      conditions,
      phase: derivePhase(conditions),
      observedGeneration: d.metadata.generation,
    };
    if (!d.status?.trigger && !d.metadata.labels?.[TRIGGER_LABEL])
      status.trigger = { source: "Manual" };
    const current = (d.status ?? {}) as StatusFields;
    const changed = (Object.keys(status) as (keyof DiagnosisStatus)[]).some(
      (k) => stableStringify(current[k]) !== stableStringify(status[k]),
    );
    if (!changed) return false;
    const records = this.deps.triggerRecords?.claim(d);
    if (records) status.trigger = records.trigger;
    let updated: Diagnosis;
    try {
      updated = await this.deps.client.patchDiagnosisStatus(
        d.metadata.namespace!,
        d.metadata.name!,
        d.metadata.resourceVersion!,
        status,
      );
    } catch (err) {
      records?.release(err);
      throw err;
    }
    records?.written(updated);
    for (const e of extraEvents) this.deps.events.record(updated, e.type, e.reason, e.message);
    for (const c of changedConditions(d.status?.conditions, conditions)) {
      if (c.status !== "True" && c.reason !== "Queued" && c.reason !== "WaitingForTarget") continue;
      const type: EventType = c.type === FAILED ? "Warning" : "Normal";
      const reason = c.type === COMPLETED ? "Succeeded" : (EVENT_REASON[c.reason] ?? c.reason);
      this.deps.events.record(updated, type, reason, c.message);
    }
    return true;
  }
}

/** The first preliminary verdict, as an Event (the collector's verdict is the Succeeded one). */
function preliminaryEvent(
  d: CachedDiagnosis,
  fields: StatusFields,
  facts: ResolvedFacts,
): ExtraEvent[] {
  if (!fields.verdict || d.findingsSummary.count > 0) return [];
  const message = verdictFor(facts.preliminary, effectiveChecks(d.spec)).sentence;
  return [{ type: "Normal", reason: "PreliminaryFindings", message }];
}
