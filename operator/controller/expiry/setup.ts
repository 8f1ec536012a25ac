/** The expiry of finished Diagnoses: a controller of its own over the Diagnosis cache. */

import type { OperatorConfig } from "../config.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";
import type { OperatorKinds } from "../kinds/kinds.js";
import type { Clock, MetricsRegistrar } from "../runtime/contracts.js";
import type { Logger } from "../runtime/logger.js";
import type { ControllerSetup } from "../runtime/manager.js";
import { DiagnosisExpiry } from "./diagnosisExpiry.js";

export interface DiagnosisExpirySetupDeps {
  manager: ControllerSetup;
  kinds: OperatorKinds;
  client: ClusterClient;
  config: OperatorConfig;
  clock: Clock;
  logger: Logger;
  metrics: MetricsRegistrar;
}

export function setupDiagnosisExpiry(deps: DiagnosisExpirySetupDeps): void {
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
