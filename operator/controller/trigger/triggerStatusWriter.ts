/**
 * Writes OOM restarts onto a Diagnosis' status.trigger, one write per Diagnosis at a time:
 * restarts that arrive while a write is in flight join the next one, so a burst costs a write
 * per batch rather than a GET + PUT per restart.
 *
 * Why the patch carries no resourceVersion: status.trigger has a single writer, this object
 * (only the leader's trigger runs; one write per Diagnosis in flight), and the Diagnosis
 * reconciler never writes it on triggered Diagnoses. An unguarded merge patch of status.trigger
 * alone cannot lose anyone's update, and it never conflicts with the reconciler's guarded status
 * writes (those requeue on ours instead). The trigger it merges onto must be current, though:
 * the object our own last write (or create) returned, else a GET, never the informer cache,
 * which may not have seen our last write yet.
 */
import type { Diagnosis, DiagnosisStatus } from "../../api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";
import { type Clock, type ObjectKey, objectKey } from "../runtime/contracts.js";
import { type OomRestart, recordRestart, type Workload } from "./restartRules.js";

/** Diagnoses whose last written state is remembered (the oldest forgotten first: a GET later). */
const REMEMBERED_DIAGNOSES = 1000;

export interface RestartToRecord {
  pod: string;
  workload: Workload;
  restart: OomRestart;
}

export type RecordOutcome = "recorded" | "duplicate";

interface Pending extends RestartToRecord {
  resolve(outcome: RecordOutcome): void;
  reject(err: unknown): void;
}

/**
 * What a write reads of the Diagnosis it writes to. Only this is remembered: a finished
 * Diagnosis' status may carry a large report, and up to REMEMBERED_DIAGNOSES are kept.
 */
interface WriteBase {
  metadata: Pick<Diagnosis["metadata"], "namespace" | "name" | "uid">;
  spec: Pick<Diagnosis["spec"], "target">;
  status?: Pick<DiagnosisStatus, "trigger">;
}

function writeBase(d: Diagnosis): WriteBase {
  const { namespace, name, uid } = d.metadata;
  return {
    metadata: { namespace, name, uid },
    spec: { target: d.spec.target },
    ...(d.status?.trigger ? { status: { trigger: d.status.trigger } } : {}),
  };
}

export class TriggerStatusWriter {
  private readonly pending = new Map<ObjectKey, Pending[]>();
  private readonly writing = new Set<ObjectKey>();
  private readonly written = new Map<ObjectKey, WriteBase>();

  constructor(private readonly deps: { client: ClusterClient; clock: Clock }) {}

  /** The object a create or write returned: the base of the next write to it. */
  remember(d: Diagnosis): void {
    const key = objectKey(d.metadata.namespace, d.metadata.name!);
    this.written.delete(key);
    this.written.set(key, writeBase(d));
    if (this.written.size > REMEMBERED_DIAGNOSES) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }

  /**
   * Resolves once `restart` is on the Diagnosis' status (or was already listed: "duplicate");
   * rejects with the write's error, and the caller retries. `uid`, when known, is the Diagnosis
   * the caller means: a remembered object of another UID (deleted and recreated) is not used.
   */
  record(
    namespace: string,
    name: string,
    uid: string | undefined,
    restart: RestartToRecord,
  ): Promise<RecordOutcome> {
    const key = objectKey(namespace, name);
    const remembered = this.written.get(key);
    if (remembered && uid && remembered.metadata.uid !== uid) this.written.delete(key);
    return new Promise((resolve, reject) => {
      const list = this.pending.get(key) ?? [];
      list.push({ ...restart, resolve, reject });
      this.pending.set(key, list);
      if (!this.writing.has(key)) void this.drain(namespace, name, key);
    });
  }

  private async drain(namespace: string, name: string, key: ObjectKey): Promise<void> {
    this.writing.add(key);
    try {
      for (;;) {
        const batch = this.pending.get(key);
        if (!batch?.length) return;
        this.pending.delete(key);
        try {
          const outcomes = await this.write(namespace, name, key, batch);
          for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
        } catch (err) {
          // What is stored is unknown now: read it again next time.
          this.written.delete(key);
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing.delete(key);
    }
  }

  private async write(
    namespace: string,
    name: string,
    key: ObjectKey,
    batch: readonly RestartToRecord[],
  ): Promise<RecordOutcome[]> {
    const d = this.written.get(key) ?? (await this.deps.client.getDiagnosis(namespace, name));
    if (!d) throw new Error(`diagnosis ${namespace}/${name} disappeared while recording a restart`);
    const now = this.deps.clock.now();
    let trigger = d.status?.trigger;
    const outcomes = batch.map((p): RecordOutcome => {
      const next = recordRestart(trigger, d.spec.target, p.pod, p.workload, p.restart, now);
      if (!next) return "duplicate";
      trigger = next;
      return "recorded";
    });
    if (outcomes.every((o) => o === "duplicate")) return outcomes;
    this.remember(
      await this.deps.client.patchDiagnosisStatus(namespace, name, undefined, { trigger }),
    );
    return outcomes;
  }
}
