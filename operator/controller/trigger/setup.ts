/** The pod-restart trigger's wiring: it reconciles Pods whose restart counts moved. */

import type { OperatorControllerDeps } from "../controllerDeps.js";
import { KeyChannel } from "../runtime/keyChannel.js";
import { RestartTrigger, TRIGGERED_WORKLOAD_INDEX, triggeredWorkload } from "./restartTrigger.js";

/** The trigger, whose records not written yet the Diagnosis status writer may carry. */
export function setupRestartTrigger(deps: OperatorControllerDeps): RestartTrigger {
  const { manager, kinds, config } = deps;
  manager.indexField(kinds.diagnoses, TRIGGERED_WORKLOAD_INDEX, triggeredWorkload);
  const restarts = deps.metrics.counter(
    "diagnose_trigger_restarts_total",
    "OOM restarts seen by the trigger, by what became of them.",
    ["outcome"],
  );
  const requeue = new KeyChannel();
  const trigger = new RestartTrigger({
    client: deps.client,
    pods: manager.cache(kinds.pods),
    diagnoses: manager.cache(kinds.diagnoses),
    clock: deps.clock,
    logger: deps.logger,
    options: {
      cooldownSeconds: config.cooldownSeconds,
      namespaceSelector: config.autoNamespaceSelector,
    },
    requeue,
    count: (outcome, by) => restarts.inc({ outcome }, by),
  });
  manager
    .newController()
    .watches(kinds.pods, trigger.mapToKeys)
    .watchesChannel(requeue)
    // Reconciles are in memory but for the rare create: more of them keep a burst's queue short.
    .workers(8)
    .complete(trigger);
  return trigger;
}
