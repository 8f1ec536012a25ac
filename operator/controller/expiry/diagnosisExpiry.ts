/**
 * Deletes finished Diagnoses once they expire (expiryRules.ts), like the Job TTL-after-finished
 * controller: reconcile(key) reads the Diagnosis from the cache and either deletes it (with a
 * UID precondition, so a namesake created meanwhile is safe), or comes back when it will have
 * expired. The Diagnosis reconciler's finalizer then removes its Job.
 */

import type { Diagnosis } from "../../api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";
import type {
  Clock,
  ObjectCache,
  ObjectKey,
  ReconcileResult,
  Reconciler,
} from "../runtime/contracts.js";
import type { Logger } from "../runtime/logger.js";
import { type ExpiryPolicy, expiresAt } from "./expiryRules.js";

/** Look again at least daily (a far expiry still gets re-read, e.g. after a spec change). */
const MAX_REQUEUE_MS = 86_400_000;

export interface DiagnosisExpiryDeps {
  client: Pick<ClusterClient, "deleteDiagnosis">;
  diagnoses: ObjectCache<Diagnosis>;
  clock: Clock;
  logger: Logger;
  policy: ExpiryPolicy;
  onExpired?: () => void;
}

export class DiagnosisExpiry implements Reconciler {
  readonly name = "diagnosis-expiry";

  constructor(private readonly deps: DiagnosisExpiryDeps) {}

  async reconcile(key: ObjectKey): Promise<ReconcileResult | undefined> {
    const d = this.deps.diagnoses.get(key);
    if (!d || d.metadata.deletionTimestamp) return undefined;
    const at = expiresAt(d, this.deps.policy);
    if (!at) return undefined;
    const wait = at.getTime() - this.deps.clock.now().getTime();
    if (wait > 0) return { requeueAfterMs: Math.min(wait, MAX_REQUEUE_MS) };
    await this.deps.client.deleteDiagnosis(
      d.metadata.namespace!,
      d.metadata.name!,
      d.metadata.uid!,
    );
    this.deps.onExpired?.();
    this.deps.logger.info("diagnosis expired, deleted", {
      diagnosis: key,
      expiredAt: at.toISOString(),
    });
    return undefined;
  }
}
