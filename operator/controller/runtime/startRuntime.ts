/**
 * Runs a set of controllers the way controller-runtime's manager does: the caches of every
 * watched kind (every replica), the metrics/health server, leader election, and the controllers
 * (only while leading). Which kinds and controllers is the setup callback's business; nothing
 * here knows the product.
 */

import { type Clock, type MetricsRegistrar, systemClock } from "./contracts.js";
import { type HealthServer, startHealthServer } from "./healthServer.js";
import type { InformerStats, ListWatch } from "./informer.js";
import type { KubeAccess } from "./kubeAccess.js";
import { KubeListWatch } from "./kubeListWatch.js";
import { LeaderElector } from "./leaderElection.js";
import { LeaseLock } from "./leaseLock.js";
import type { Logger } from "./logger.js";
import { type ControllerSetup, Manager } from "./manager.js";
import { MetricsRegistry } from "./metricsRegistry.js";
import { countApiRequests } from "./restClientMetrics.js";
import { createRuntimeMetrics, type RuntimeMetrics } from "./runtimeMetrics.js";
import type { Timers } from "./timers.js";

/** The settings the runtime reads (the product's config has these among others). */
export interface RuntimeConfig {
  /** Namespace of the leader-election Lease. */
  namespace: string;
  /** 0 = pick a free port (tests). */
  metricsPort: number;
  leaderElect: boolean;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** What setup gets to declare its kinds, indexes and controllers. */
export interface SetupDeps<C extends RuntimeConfig> {
  manager: ControllerSetup;
  kubeConfig: KubeAccess;
  config: C;
  clock: Clock;
  logger: Logger;
  metrics: MetricsRegistrar;
}

export interface RuntimeOptions<C extends RuntimeConfig> {
  config: C;
  kubeConfig: KubeAccess;
  logger: Logger;
  setupControllers: (deps: SetupDeps<C>) => void;
  /** Prefix of the metrics controller-runtime has no name for (informers, leadership). */
  metricsPrefix: string;
  /** managedFields manager of the Lease writes. */
  fieldManager?: string;
  /** Leadership lost: the process must exit so the pod restarts clean (controller-runtime does). */
  onFatal: (reason: string) => void;
  clock?: Clock;
  timers?: Timers;
  /** Bind address of the health server (default all interfaces). */
  host?: string;
}

export interface RunningRuntime {
  metricsPort: number;
  registry: MetricsRegistry;
  isLeader(): boolean;
  /** Stop workers, release the lease, stop watches, close the server. */
  stop(): Promise<void>;
}

function informerStats(m: RuntimeMetrics, name: string): InformerStats {
  const labels = { informer: name };
  m.informerSynced.set(labels, 0);
  return {
    onWatchRestart: (reason) => m.watchRestarts.inc({ informer: name, reason }),
    onRelist: () => m.relists.inc(labels),
    onSynced: () => m.informerSynced.set(labels, 1),
    onSize: (n) => m.informerObjects.set(labels, n),
  };
}

export async function startRuntime<C extends RuntimeConfig>(
  opts: RuntimeOptions<C>,
): Promise<RunningRuntime> {
  const { config, kubeConfig, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const registry = new MetricsRegistry();
  const metrics = createRuntimeMetrics(registry, opts.metricsPrefix);
  const server = kubeConfig.getCurrentCluster()?.server;
  const stopCountingRequests = server
    ? countApiRequests(server, metrics.restClientRequests)
    : () => {};

  const manager = new Manager({
    listWatch: (
      path: string,
      labelSelector: string | undefined,
      pageSize: number | undefined,
    ): ListWatch =>
      new KubeListWatch({ kubeConfig, path, labelSelector, ...(pageSize ? { pageSize } : {}) }),
    logger,
    timers: opts.timers,
    stats: (name) => informerStats(metrics, name),
    metrics,
  });
  opts.setupControllers({ manager, kubeConfig, config, clock, logger, metrics: registry });
  logger.info("controllers registered", { controllers: manager.controllerNames() });

  manager.startCaches();
  const synced = manager.waitForCacheSync();

  let stopping = false;
  let elector: LeaderElector | undefined;
  const startControllers = async (): Promise<void> => {
    // Controllers read caches; starting before the initial lists would act on a partial world.
    await synced;
    if (stopping || (elector && !elector.isLeader())) return;
    manager.startControllers();
  };

  if (config.leaderElect) {
    elector = new LeaderElector({
      lock: new LeaseLock(kubeConfig, config.namespace, config.leaseName, opts.fieldManager),
      identity: config.identity,
      leaseDurationMs: config.leaseDurationSeconds * 1000,
      renewDeadlineMs: config.renewDeadlineSeconds * 1000,
      retryPeriodMs: config.retryPeriodSeconds * 1000,
      logger,
      clock,
      timers: opts.timers,
      callbacks: {
        onStartedLeading: () => {
          metrics.leader.set({}, 1);
          void startControllers();
        },
        onStoppedLeading: (reason) => {
          metrics.leader.set({}, 0);
          if (reason === "lost" && !stopping) {
            void manager.stopControllers().finally(() => opts.onFatal("leader election lost"));
          }
        },
        onNewLeader: (identity) =>
          logger.info("leader observed", { leader: identity, self: config.identity }),
      },
    });
    metrics.leader.set({}, 0);
    void elector.start();
  } else {
    metrics.leader.set({}, 1);
    void startControllers();
  }

  let health: HealthServer;
  try {
    health = await startHealthServer({
      port: config.metricsPort,
      host: opts.host,
      registry,
      logger,
      readiness: () => {
        const caches = manager.cacheSyncState();
        const detail = caches.map(
          ({ name, synced }) => `informer ${name}: ${synced ? "synced" : "not synced"}`,
        );
        // A standby replica is ready too: it serves metrics and is waiting for the lease.
        detail.push(`leader: ${elector ? elector.isLeader() : true}`);
        return { ready: caches.every((c) => c.synced), detail };
      },
    });
  } catch (err) {
    await elector?.stop();
    await manager.stopCaches();
    stopCountingRequests();
    throw err;
  }
  logger.info("health and metrics server listening", { port: health.port });

  return {
    metricsPort: health.port,
    registry,
    isLeader: () => (elector ? elector.isLeader() : true),
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info("shutting down");
      await manager.stopControllers();
      await elector?.stop();
      await manager.stopCaches();
      await health.close();
      stopCountingRequests();
      logger.info("shutdown complete");
    },
  };
}
