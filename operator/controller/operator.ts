/**
 * diagnose-operator on the controller runtime: its name where the runtime needs one (metric
 * prefix, field manager) and its controllers. main.ts and the integration tests start it here.
 */

import { FIELD_MANAGER } from "../api/v1alpha1/wellKnown.js";
import type { OperatorConfig } from "./config.js";
import type { KubeAccess } from "./runtime/kubeAccess.js";
import type { Logger } from "./runtime/logger.js";
import { type RunningRuntime, type SetupDeps, startRuntime } from "./runtime/startRuntime.js";
import { setupControllers } from "./setup.js";

export type RunningOperator = RunningRuntime;

export interface OperatorOptions {
  config: OperatorConfig;
  kubeConfig: KubeAccess;
  logger: Logger;
  /** Leadership lost: the process must exit so the pod restarts clean. */
  onFatal: (reason: string) => void;
  /** The controllers (default: setupControllers; tests pass shorter waits). */
  setupControllers?: (deps: SetupDeps<OperatorConfig>) => void;
  /** Bind address of the health server (default all interfaces). */
  host?: string;
}

export function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  return startRuntime({
    ...opts,
    setupControllers: opts.setupControllers ?? setupControllers,
    metricsPrefix: "diagnose_operator",
    fieldManager: FIELD_MANAGER,
  });
}
