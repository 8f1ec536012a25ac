/**
 * The operator's controllers on the runtime: the kinds they watch (created once, shared), the
 * Diagnosis controller, and with --auto-trigger the pod-restart trigger.
 */

import type { OperatorConfig } from "./config.js";
import { KubeClusterClient } from "./diagnosis/clusterClient.js";
import type { DEFAULT_RECONCILER_TIMINGS } from "./diagnosis/diagnosisReconciler.js";
import { setupDiagnosisController } from "./diagnosis/setup.js";
import { writeThrough } from "./diagnosis/writeThroughClient.js";
import { setupDiagnosisExpiry } from "./expiry/setup.js";
import { operatorKinds } from "./kinds/kinds.js";
import type { ObjectKey } from "./runtime/contracts.js";
import type { SetupDeps } from "./runtime/startRuntime.js";
import { setupRestartTrigger } from "./trigger/setup.js";

/** Knobs tests turn (shorter waits); production uses the defaults. */
export interface SetupOverrides {
  timings?: Partial<typeof DEFAULT_RECONCILER_TIMINGS>;
  /** Called with every Diagnosis reconcile key (tests count reconciles to rule out retry storms). */
  onDiagnosisReconcile?: (key: ObjectKey) => void;
}

export function setupControllers(deps: SetupDeps<OperatorConfig>): void {
  setupControllersWith(deps, {});
}

export function setupControllersWith(
  deps: SetupDeps<OperatorConfig>,
  overrides: SetupOverrides,
): void {
  const { manager, config } = deps;
  const kinds = operatorKinds(config);
  // Caches in a fixed order (readiness lists them so), whether or not a controller watches them.
  manager.cache(kinds.diagnoses);
  manager.cache(kinds.pods);
  manager.cache(kinds.jobs);
  manager.cache(kinds.nodes);
  // The controllers see their own writes (and the trigger's new Diagnoses) at once.
  const client = writeThrough(
    new KubeClusterClient(deps.kubeConfig, config.requestTimeoutSeconds * 1000),
    {
      diagnoses: manager.writes(kinds.diagnoses),
      jobs: manager.writes(kinds.jobs),
    },
  );
  const common = { ...deps, kinds, client };
  const trigger = config.autoTrigger ? setupRestartTrigger(common) : undefined;
  setupDiagnosisController({
    ...common,
    timings: overrides.timings,
    onReconcile: overrides.onDiagnosisReconcile,
    triggerRecords: trigger?.pendingRecords,
  });
  setupDiagnosisExpiry(common);
}
