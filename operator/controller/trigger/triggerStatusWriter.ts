/**
 * Writes OOM restarts onto a Diagnosis' status.trigger, coalesced per Diagnosis: records wait
 * until the Diagnosis has had none for `quietMs` (a burst of restarts of one workload becomes one
 * write, within `quietMs` of its last restart), but never longer than `maxDelayMs` after the
 * first of them; a Diagnosis' first write waits only `firstWriteDelayMs` (restarts of several
 * pods at once land together, and the trigger shows soon after the Diagnosis), unless the
 * trigger created it for these restarts (see claim()). One write per Diagnosis is in flight at
 * a time; a failed one is retried with backoff, and records for a Diagnosis that is gone (404)
 * are handed back (onDropped) so the trigger counts them again.
 *
 * Until written, records are "unwritten" and the trigger counts them as recorded (see
 * RestartTrigger): they are the only thing here that is not derived from the API, and losing
 * them (a crash, lost leadership: stop() drops them) loses nothing, because restarts the
 * Diagnoses do not record are counted again by whoever reconciles the pod next.
 *
 * Another status write to the Diagnosis can carry the records instead (claim()): the Diagnosis
 * reconciler's first write comes within milliseconds of the create, when the restart that made
 * the Diagnosis waits here for its own first write; one write then says both. That write is
 * guarded by the resourceVersion it was computed from, so the trigger it carries is computed
 * from a current one or not written at all (a conflict hands the records back here).
 *
 * Why the patch carries no resourceVersion: status.trigger has a single writer, this object
 * (only the leader's trigger runs; one write per Diagnosis in flight, a claimed one included),
 * and the Diagnosis reconciler writes it on triggered Diagnoses only as claimed from here. An unguarded merge patch of status.trigger
 * alone cannot lose anyone's update, and it never conflicts with the reconciler's guarded status
 * writes (those requeue on ours instead). The trigger it merges onto must be current, though:
 * the object our own last write (or create) returned, else a GET, never the informer cache,
 * which may not have seen our last write yet.
 */
import type { Diagnosis, RecordedRestart, Trigger } from "../../api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";
import { apiStatusCode } from "../runtime/apiStatusCode.js";
import { ConflictError, type ObjectKey, objectKey } from "../runtime/contracts.js";
import { systemTimers, type Timers } from "../runtime/timers.js";
import { type RestartRecord, recordRestart, type TriggerView } from "./restartRules.js";

/** Diagnoses whose last written state is remembered (the oldest forgotten first: a GET later). */
const REMEMBERED_DIAGNOSES = 1000;

/**
 * quietMs is the trade between writes and freshness: a workload restarting about once a second
 * (1,000 restarts over 100 workloads in 10 s) is one write after its last restart rather than
 * one per restart, and that write lands within about 1.5 s of it.
 */
export const DEFAULT_WRITE_TIMINGS = {
  firstWriteDelayMs: 250,
  quietMs: 1200,
  maxDelayMs: 10_000,
  maxBackoffMs: 30_000,
};

export type WriteTimings = typeof DEFAULT_WRITE_TIMINGS;

export type RecordOutcome = "recorded" | "duplicate";

/**
 * Records of one Diagnosis handed to another status write (claim()): `trigger` goes into that
 * write's patch; the claim must be settled once with what became of it.
 */
export interface ClaimedRecords {
  trigger: Trigger;
  /** The write landed: `written` is the object it returned. */
  written(written: Diagnosis): void;
  /** The write failed (`err`) or was not sent: the records wait for the next write again. */
  release(err?: unknown): void;
}

/** What claim() reads of the Diagnosis a write is computed from. */
export type ClaimBase = Pick<TriggerView, "metadata" | "spec" | "status">;

/** A restart to record on one Diagnosis. */
export interface PendingRecord extends RestartRecord {
  /** The pod's key, handed back (onDropped) if the Diagnosis is gone. */
  podKey: ObjectKey;
  /** trigger.workload, if this record is the Diagnosis' first. */
  workload: string;
  /**
   * This restart made the Diagnosis (for the outcome counter; and the Diagnosis reconciler's
   * first write is expected to carry it, so ours is not hurried).
   */
  created: boolean;
}

export interface TriggerStatusWriterDeps {
  client: Pick<ClusterClient, "getDiagnosis" | "patchDiagnosisStatus">;
  clock: { now(): Date };
  timers?: Timers;
  timings?: Partial<WriteTimings>;
  /** The workload key of a Diagnosis (the trigger's index function), for unwrittenFor(). */
  workloadKey: (d: Diagnosis) => readonly string[];
  /** Each record's fate once written. */
  onOutcome?: (outcome: RecordOutcome, record: PendingRecord, counted: number) => void;
  /** Records whose Diagnosis is gone: their pods must be reconciled again. */
  onDropped?: (podKeys: ObjectKey[]) => void;
  onError?: (diagnosis: string, err: unknown) => void;
}

interface DiagnosisWrites {
  namespace: string;
  name: string;
  workloadKey: string;
  uid: string | undefined;
  pending: Array<PendingRecord & { addedAt: number }>;
  inFlight: PendingRecord[];
  failures: number;
  timer: unknown;
  writing: Promise<void> | undefined;
}

/**
 * What is remembered of a Diagnosis written here: what a write and the trigger read of it, and
 * its workload. Only this: a finished Diagnosis' status may carry a large report, its metadata a
 * tenant's annotations, and up to REMEMBERED_DIAGNOSES are kept.
 */
interface Remembered {
  view: TriggerView;
  workloadKeys: readonly string[];
}

function triggerView(d: Diagnosis): TriggerView {
  const { namespace, name, uid, creationTimestamp, deletionTimestamp } = d.metadata;
  return {
    metadata: {
      namespace,
      name,
      uid,
      ...(creationTimestamp ? { creationTimestamp } : {}),
      ...(deletionTimestamp ? { deletionTimestamp } : {}),
    },
    spec: { target: d.spec.target },
    ...(d.status?.trigger ? { status: { trigger: d.status.trigger } } : {}),
  };
}

export class TriggerStatusWriter {
  private readonly timings: WriteTimings;
  private readonly timers: Timers;
  private readonly states = new Map<ObjectKey, DiagnosisWrites>();
  private readonly written = new Map<ObjectKey, Remembered>();
  private stopped = false;

  constructor(private readonly deps: TriggerStatusWriterDeps) {
    this.timings = { ...DEFAULT_WRITE_TIMINGS, ...deps.timings };
    this.timers = deps.timers ?? systemTimers;
  }

  /** The object a create or write returned: the base of the next write to it. */
  remember(d: Diagnosis): void {
    const key = objectKey(d.metadata.namespace, d.metadata.name!);
    this.written.delete(key);
    this.written.set(key, { view: triggerView(d), workloadKeys: this.deps.workloadKey(d) });
    if (this.written.size > REMEMBERED_DIAGNOSES) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }

  /** Our last written copy of a Diagnosis, if it is still the one of that UID. */
  current(key: ObjectKey, uid: string | undefined): TriggerView | undefined {
    const d = this.written.get(key)?.view;
    return d && (!uid || d.metadata.uid === uid) ? d : undefined;
  }

  /** Remembered Diagnoses of a workload (created or written here; the cache may lag). */
  knownFor(workloadKey: string): TriggerView[] {
    return [...this.written.values()].flatMap((r) =>
      r.workloadKeys.includes(workloadKey) ? [r.view] : [],
    );
  }

  /** Records accepted for the Diagnoses of a workload and not written yet. */
  unwrittenFor(workloadKey: string): RecordedRestart[] {
    const out: RecordedRestart[] = [];
    for (const s of this.states.values())
      if (s.workloadKey === workloadKey)
        for (const r of [...s.inFlight, ...s.pending]) out.push(r.entry);
    return out;
  }

  /**
   * Queues `record` for the Diagnosis `namespace/name` (of `workloadKey`; `uid` when known):
   * written with the next batch, see the header.
   */
  add(
    target: { namespace: string; name: string; uid: string | undefined; workloadKey: string },
    record: PendingRecord,
  ): void {
    if (this.stopped) return;
    const key = objectKey(target.namespace, target.name);
    let s = this.states.get(key);
    if (!s) {
      s = {
        ...target,
        pending: [],
        inFlight: [],
        failures: 0,
        timer: undefined,
        writing: undefined,
      };
      this.states.set(key, s);
    }
    s.pending.push({ ...record, addedAt: this.timers.now() });
    if (!s.writing && s.failures === 0) this.schedule(key, s);
  }

  /**
   * The records waiting for `base`'s Diagnosis, applied to its status.trigger, for a status write
   * computed from `base` and guarded by its resourceVersion (see the header); undefined when
   * none wait, a write of ours is in flight or backing off, or they add nothing to `base`. Until
   * settled, the records count as in flight: no write of ours to the Diagnosis starts.
   */
  claim(base: ClaimBase): ClaimedRecords | undefined {
    const key = objectKey(base.metadata.namespace, base.metadata.name!);
    const s = this.states.get(key);
    if (!s || this.stopped || s.writing || s.failures > 0 || s.pending.length === 0) return;
    if (s.uid && base.metadata.uid !== s.uid) return;
    const { trigger, outcomes } = applyRecords(base, s.pending);
    if (!trigger) return;
    if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    s.timer = undefined;
    s.inFlight = s.pending.splice(0);
    const batch = s.inFlight;
    let settle: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    let done = false;
    this.afterWrite(key, s, settled);
    return {
      trigger,
      written: (written) => {
        if (done) return;
        done = true;
        this.remember(written);
        s.inFlight = [];
        for (const [i, r] of batch.entries())
          this.deps.onOutcome?.(outcomes[i]!.outcome, r, outcomes[i]!.counted);
        settle();
      },
      release: (err) => {
        if (done) return;
        done = true;
        // A conflict wrote nothing; after any other failure what is stored is unknown: our
        // next write reads it again.
        if (!(err instanceof ConflictError) && apiStatusCode(err) !== 409) this.written.delete(key);
        s.pending.unshift(...s.inFlight.map((r) => ({ ...r, addedAt: this.timers.now() })));
        s.inFlight = [];
        settle();
      },
    };
  }

  /** Drops every record not written yet and waits for the writes in flight (leadership ends). */
  async stop(): Promise<void> {
    this.stopped = true;
    const inFlight = [...this.states.values()].flatMap((s) => (s.writing ? [s.writing] : []));
    for (const s of this.states.values())
      if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    this.states.clear();
    await Promise.allSettled(inFlight);
    this.written.clear();
  }

  private schedule(key: ObjectKey, s: DiagnosisWrites): void {
    if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    const first = Math.min(...s.pending.map((p) => p.addedAt));
    const last = Math.max(...s.pending.map((p) => p.addedAt));
    const { firstWriteDelayMs, quietMs, maxDelayMs } = this.timings;
    // The first write of a trigger: soon. Later ones: coalesced. So is the first one of a
    // Diagnosis created for these restarts: the Diagnosis reconciler's first write, right after
    // the create, carries them (claim()); ours is the fallback when that write is late.
    const soon =
      this.written.get(key)?.view.status?.trigger === undefined &&
      !s.pending.some((p) => p.created);
    const at = soon ? first + firstWriteDelayMs : Math.min(last + quietMs, first + maxDelayMs);
    s.timer = this.timers.setTimeout(() => this.flush(key, s), Math.max(0, at - this.timers.now()));
  }

  private flush(key: ObjectKey, s: DiagnosisWrites): void {
    s.timer = undefined;
    if (this.stopped || s.writing || s.pending.length === 0) return;
    s.inFlight = s.pending.splice(0);
    this.afterWrite(key, s, this.write(key, s));
  }

  /** `writing` in flight for `s`; then the next write is scheduled (or backed off, or none). */
  private afterWrite(key: ObjectKey, s: DiagnosisWrites, writing: Promise<void>): void {
    s.writing = writing.finally(() => {
      s.writing = undefined;
      if (this.stopped) return;
      if (s.pending.length === 0 && s.inFlight.length === 0) {
        this.states.delete(key);
        return;
      }
      if (s.failures > 0) {
        // Retried with backoff, with whatever came meanwhile.
        s.pending.unshift(...s.inFlight.map((r) => ({ ...r, addedAt: this.timers.now() })));
        s.inFlight = [];
        const backoff = Math.min(
          this.timings.quietMs * 2 ** (s.failures - 1),
          this.timings.maxBackoffMs,
        );
        s.timer = this.timers.setTimeout(() => this.flush(key, s), backoff);
      } else this.schedule(key, s);
    });
  }

  private async write(key: ObjectKey, s: DiagnosisWrites): Promise<void> {
    const batch = s.inFlight;
    try {
      const base =
        this.current(key, s.uid) ?? (await this.deps.client.getDiagnosis(s.namespace, s.name));
      if (!base || (s.uid && base.metadata.uid !== s.uid)) {
        this.drop(s, batch);
        return;
      }
      const { trigger, outcomes } = applyRecords(base, batch);
      if (trigger) {
        this.remember(
          await this.deps.client.patchDiagnosisStatus(s.namespace, s.name, undefined, { trigger }),
        );
      }
      s.failures = 0;
      s.inFlight = [];
      for (const [i, r] of batch.entries())
        this.deps.onOutcome?.(outcomes[i]!.outcome, r, outcomes[i]!.counted);
    } catch (err) {
      // What is stored is unknown now: read it again next time.
      this.written.delete(key);
      if (apiStatusCode(err) === 404) {
        this.drop(s, batch);
        return;
      }
      s.failures++;
      this.deps.onError?.(key, err);
    }
  }

  /** The Diagnosis is gone: its records go back to their pods' reconciles. */
  private drop(s: DiagnosisWrites, batch: PendingRecord[]): void {
    const podKeys = [...new Set([...batch, ...s.pending].map((r) => r.podKey))];
    s.inFlight = [];
    s.pending = [];
    s.failures = 0;
    this.deps.onDropped?.(podKeys);
  }
}

/**
 * `base`'s trigger with `batch` recorded on it, and each record's fate; trigger undefined when
 * none of them adds anything (nothing to write).
 */
function applyRecords(
  base: ClaimBase,
  batch: readonly PendingRecord[],
): { trigger: Trigger | undefined; outcomes: { outcome: RecordOutcome; counted: number }[] } {
  let trigger = base.status?.trigger;
  let changed = false;
  const outcomes = batch.map((r) => {
    const next = recordRestart(trigger, base.spec.target, r.workload, r);
    if (!next) return { outcome: "duplicate" as const, counted: 0 };
    const counted = (next.restartsObserved ?? 0) - (trigger?.restartsObserved ?? 0);
    trigger = next;
    changed = true;
    return { outcome: "recorded" as const, counted };
  });
  return { trigger: changed ? trigger : undefined, outcomes };
}
