/**
 * Runs a set of controllers the way controller-runtime's manager does: the caches of every
 * watched kind (every replica), the metrics/health server, leader election, and the controllers
 * (only while leading). Which kinds and controllers is the setup callback's business; nothing
 * here knows the product.
 *
 * Leading means working: while this replica leads, a check every second looks at its caches;
 * caches not synced within the sync timeout, or an informer that has heard nothing from the
 * apiserver for longer than a healthy watch ever stays silent, make the leader stop its
 * controllers, release the Lease (a standby takes over at once) and exit through onFatal (the
 * kubelet restarts the pod). /healthz fails from then on, /readyz shows every cache's state.
 */
import { cacheHealth, leaderProblem, staleAfterMs } from "./cacheHealth.js";
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
import { sleep, systemTimers, type Timers } from "./timers.js";

/** The informers' backoff cap (Informer's default): part of how long a cache may be silent. */
const INFORMER_BACKOFF_MAX_MS = 30_000;
const LEADER_CHECK_INTERVAL_MS = 1000;
/**
 * A replica that must exit (leadership lost, or given up) waits this long at most for its
 * reconciles to return: they may be stuck on the very requests that failed, and a quick exit
 * gets the pod restarted sooner. In-flight requests die with the process.
 */
const FATAL_STOP_MS = 3000;

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
  /** Deadline of every request to the apiserver (a list: of each page). */
  requestTimeoutSeconds: number;
  /** A watch with no event or bookmark for this long is restarted. */
  watchIdleTimeoutSeconds: number;
  /** A leader whose caches are not synced this long after start gives up. */
  cacheSyncTimeoutSeconds: number;
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
  const timers = opts.timers ?? systemTimers;
  const requestTimeoutMs = config.requestTimeoutSeconds * 1000;
  const watchIdleTimeoutMs = config.watchIdleTimeoutSeconds * 1000;
  const registry = new MetricsRegistry();
  const metrics = createRuntimeMetrics(registry, opts.metricsPrefix);
  const server = kubeConfig.getCurrentCluster()?.server;
  const stopCountingRequests = server
    ? countApiRequests(server, metrics.restClientRequests)
    : () => {};

  const manager = new Manager({
    listWatch: (path, { labelSelector, pageSize, omit }): ListWatch =>
      new KubeListWatch({
        kubeConfig,
        path,
        labelSelector,
        requestTimeoutMs,
        watchIdleTimeoutMs,
        ...(pageSize ? { pageSize } : {}),
        ...(omit ? { omit } : {}),
      }),
    logger,
    timers: opts.timers,
    stats: (name) => informerStats(metrics, name),
    metrics,
  });
  opts.setupControllers({ manager, kubeConfig, config, clock, logger, metrics: registry });
  logger.info("controllers registered", { controllers: manager.controllerNames() });

  const bounds = {
    startedAt: timers.now(),
    syncTimeoutMs: config.cacheSyncTimeoutSeconds * 1000,
    staleAfterMs: staleAfterMs(watchIdleTimeoutMs, INFORMER_BACKOFF_MAX_MS),
  };
  manager.startCaches();
  const synced = manager.waitForCacheSync();
  registry.registerGauge(
    `${opts.metricsPrefix}_informer_last_event_age_seconds`,
    "Seconds since the informer last heard from the apiserver (a list, a watch accepted, an event or a bookmark).",
    () => {
      const now = timers.now();
      return manager.cacheSyncState().map((c) => ({
        labels: { informer: c.name },
        value: Math.max(0, now - c.lastActivityAt) / 1000,
      }));
    },
  );

  let stopping = false;
  let elector: LeaderElector | undefined;
  const stopControllersBriefly = (): Promise<void> =>
    Promise.race([manager.stopControllers(), sleep(timers, FATAL_STOP_MS)]);
  const startControllers = async (): Promise<void> => {
    // Controllers read caches; starting before the initial lists would act on a partial world.
    await synced;
    if (stopping || (elector && !elector.isLeader())) return;
    manager.startControllers();
  };

  if (config.leaderElect) {
    elector = new LeaderElector({
      lock: new LeaseLock(
        kubeConfig,
        config.namespace,
        config.leaseName,
        opts.fieldManager,
        // Half the renew deadline: an attempt stuck on a dead connection leaves time for
        // another on a new one before the leader has to give up.
        Math.min(requestTimeoutMs, (config.renewDeadlineSeconds * 1000) / 2),
      ),
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
            void stopControllersBriefly().finally(() => opts.onFatal("leader election lost"));
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

  // Leading means working (see the header).
  let givenUp: string | undefined;
  let checkTimer: unknown;
  const checkLeader = (): void => {
    checkTimer = undefined;
    if (stopping || givenUp) return;
    if (elector ? elector.isLeader() : true) {
      const problem = leaderProblem(manager.cacheSyncState(), timers.now(), bounds);
      if (problem) {
        givenUp = problem;
        logger.error("leader not working: releasing the lease and exiting", { reason: problem });
        void stopControllersBriefly()
          .then(() => elector?.stop())
          .finally(() => opts.onFatal(`leader not working: ${problem}`));
        return;
      }
    }
    checkTimer = timers.setTimeout(checkLeader, LEADER_CHECK_INTERVAL_MS);
  };
  checkTimer = timers.setTimeout(checkLeader, LEADER_CHECK_INTERVAL_MS);

  let health: HealthServer;
  try {
    health = await startHealthServer({
      port: config.metricsPort,
      host: opts.host,
      registry,
      logger,
      readiness: () => {
        const h = cacheHealth(manager.cacheSyncState(), timers.now(), bounds);
        // A standby replica is ready too: it serves metrics and is waiting for the lease.
        return {
          ready: h.healthy,
          detail: [...h.detail, `leader: ${elector ? elector.isLeader() : true}`],
        };
      },
      liveness: () =>
        givenUp
          ? { ready: false, detail: [`leader not working: ${givenUp}`] }
          : { ready: true, detail: ["ok"] },
    });
  } catch (err) {
    if (checkTimer !== undefined) timers.clearTimeout(checkTimer);
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
      if (checkTimer !== undefined) timers.clearTimeout(checkTimer);
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
