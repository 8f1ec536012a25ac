/** The expiry of finished Diagnoses: a controller of its own over the Diagnosis cache. */

import type { OperatorControllerDeps } from "../controllerDeps.js";
import { DiagnosisExpiry } from "./diagnosisExpiry.js";

export function setupDiagnosisExpiry(deps: OperatorControllerDeps): void {
  const { manager, kinds, config } = deps;
  const expired = deps.metrics.counter(
    "diagnose_diagnoses_expired_total",
    "Finished Diagnoses deleted once their ttlSecondsAfterFinished passed.",
  );
  manager
    .newController()
    .for(kinds.diagnoses)
    .workers(1)
    .complete(
      new DiagnosisExpiry({
        client: deps.client,
        diagnoses: manager.cache(kinds.diagnoses),
        clock: deps.clock,
        logger: deps.logger,
        policy: {
          defaultTtlSeconds: config.ttlSecondsAfterFinished,
          cooldownSeconds: config.cooldownSeconds,
        },
        onExpired: () => expired.inc(),
      }),
    );
}
