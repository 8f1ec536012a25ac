import type { OperatorConfig } from "./config.js";
import type { ClusterClient } from "./diagnosis/clusterClient.js";
import type { OperatorKinds } from "./kinds/kinds.js";
import type { Clock, MetricsRegistrar } from "./runtime/contracts.js";
import type { Logger } from "./runtime/logger.js";
import type { ControllerSetup } from "./runtime/manager.js";

/** What setup.ts hands each of the operator's controllers: the same shared pieces to all. */
export interface OperatorControllerDeps {
  manager: ControllerSetup;
  kinds: OperatorKinds;
  client: ClusterClient;
  config: OperatorConfig;
  clock: Clock;
  logger: Logger;
  metrics: MetricsRegistrar;
}
