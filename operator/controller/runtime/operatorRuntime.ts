/**
 * Assembles the running operator: informers (every replica), the metrics/health server,
 * leader election, and the controllers (only while leading). main.ts is the thin shell around it.
 */
import type { KubeConfig, V1Job, V1Node, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "winston";
import type { Diagnosis } from "../../api/v1alpha1/diagnosis.js";
import { GROUP, PLURAL, VERSION } from "../../api/v1alpha1/diagnosis.js";
import { FIELD_MANAGER, MANAGED_BY_SELECTOR } from "../../api/v1alpha1/wellKnown.js";
import type { OperatorConfig } from "../config.js";
import { createOperatorMetrics, type OperatorMetrics } from "../metrics/operatorMetrics.js";
import { MetricsRegistry } from "../metrics/registry.js";
import { type Clock, type InformerName, type SetupControllers, systemClock } from "./contracts.js";
import { type HealthServer, startHealthServer } from "./healthServer.js";
import { Informer, type InformerStats, type ListWatch } from "./informer.js";
import { InformerGroup } from "./informerGroup.js";
import { KubeListWatch } from "./kubeListWatch.js";
import { LeaderElector } from "./leaderElection.js";
import { LeaseLock } from "./leaseLock.js";
import { ControllerManager, type WatchSource } from "./manager.js";
import { decodeJob, trimNode, trimPod } from "./podTransform.js";
import type { Timers } from "./timers.js";

export interface OperatorRuntimeOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  logger: Logger;
  setupControllers: SetupControllers;
  /** Leadership lost: the process must exit so the pod restarts clean (controller-runtime does). */
  onFatal: (reason: string) => void;
  clock?: Clock;
  timers?: Timers;
  /** Replace the API list/watch for an informer (tests). */
  listWatchFor?: (name: InformerName, path: string) => ListWatch | undefined;
  /** Bind address of the health server (default all interfaces). */
  host?: string;
}

export interface RunningOperator {
  metricsPort: number;
  registry: MetricsRegistry;
  isLeader(): boolean;
  /** Stop workers, release the lease, stop watches, close the server. */
  stop(): Promise<void>;
}

interface RunnableSource extends WatchSource {
  start(): void;
  stop(): Promise<void>;
  waitForSync(): Promise<void>;
}

function informerStats(m: OperatorMetrics, name: string): InformerStats {
  const labels = { informer: name };
  m.informerSynced.set(labels, 0);
  return {
    onWatchRestart: (reason) => m.watchRestarts.inc({ informer: name, reason }),
    onRelist: () => m.relists.inc(labels),
    onSynced: () => m.informerSynced.set(labels, 1),
    onSize: (n) => m.informerObjects.set(labels, n),
  };
}

export async function startOperator(opts: OperatorRuntimeOptions): Promise<RunningOperator> {
  const { config, kubeConfig, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const registry = new MetricsRegistry();
  const metrics = createOperatorMetrics(registry);

  const makeInformer = <T extends { metadata?: { name?: string; namespace?: string } }>(
    name: InformerName,
    statsName: string,
    path: string,
    extra: { labelSelector?: string; transform?: (raw: unknown) => T },
  ): Informer<T> => {
    const listWatch =
      opts.listWatchFor?.(name, path) ??
      new KubeListWatch({
        kubeConfig,
        path,
        ...(extra.labelSelector ? { labelSelector: extra.labelSelector } : {}),
      });
    return new Informer<T>({
      name: statsName,
      listWatch,
      logger,
      stats: informerStats(metrics, statsName),
      ...(extra.transform ? { transform: extra.transform } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
    });
  };

  const diagnoses = makeInformer<Diagnosis>(
    "diagnoses",
    "diagnoses",
    `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    {},
  );
  const pods: RunnableSource & {
    list(namespace?: string): V1Pod[];
    get(key: string): V1Pod | undefined;
    byIndex(name: string, value: string): V1Pod[];
  } =
    config.watchNamespaces.length === 0
      ? makeInformer<V1Pod>("pods", "pods", "/api/v1/pods", { transform: trimPod })
      : new InformerGroup<V1Pod>(
          "pods",
          new Map(
            config.watchNamespaces.map((ns) => [
              ns,
              makeInformer<V1Pod>("pods", `pods/${ns}`, `/api/v1/namespaces/${ns}/pods`, {
                transform: trimPod,
              }),
            ]),
          ),
        );
  const jobs = makeInformer<V1Job>(
    "jobs",
    "jobs",
    `/apis/batch/v1/namespaces/${config.namespace}/jobs`,
    {
      labelSelector: MANAGED_BY_SELECTOR,
      transform: decodeJob,
    },
  );
  // Node existence from a cache, not a GET per reconcile; a Node delete wakes its Diagnoses.
  const nodes = makeInformer<V1Node>("nodes", "nodes", "/api/v1/nodes", { transform: trimNode });
  const sources: Record<InformerName, RunnableSource> = {
    diagnoses: diagnoses as unknown as RunnableSource,
    pods: pods as unknown as RunnableSource,
    jobs: jobs as unknown as RunnableSource,
    nodes: nodes as unknown as RunnableSource,
  };

  const registrations = opts.setupControllers({
    kubeConfig,
    config,
    clock,
    logger,
    caches: { diagnoses, pods, jobs, nodes },
    metrics: registry,
  });
  const manager = new ControllerManager({
    sources,
    registrations,
    logger,
    metrics,
    ...(opts.timers ? { timers: opts.timers } : {}),
  });
  logger.info("controllers registered", {
    controllers: registrations.map((r) => r.reconciler.name),
  });

  for (const s of Object.values(sources)) s.start();
  const synced = Promise.all(Object.values(sources).map((s) => s.waitForSync()));

  let stopping = false;
  const startControllers = async (): Promise<void> => {
    // Controllers read caches; starting before the initial lists would act on a partial world.
    await synced;
    if (stopping || (elector && !elector.isLeader())) return;
    manager.startControllers();
  };

  let elector: LeaderElector | undefined;
  if (config.leaderElect) {
    elector = new LeaderElector({
      lock: new LeaseLock(kubeConfig, config.namespace, config.leaseName, FIELD_MANAGER),
      identity: config.identity,
      leaseDurationMs: config.leaseDurationSeconds * 1000,
      renewDeadlineMs: config.renewDeadlineSeconds * 1000,
      retryPeriodMs: config.retryPeriodSeconds * 1000,
      logger,
      clock,
      ...(opts.timers ? { timers: opts.timers } : {}),
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

  let server: HealthServer;
  try {
    server = await startHealthServer({
      port: config.metricsPort,
      ...(opts.host ? { host: opts.host } : {}),
      registry,
      logger,
      readiness: () => {
        const detail = Object.entries(sources).map(
          ([name, s]) => `informer ${name}: ${s.hasSynced() ? "synced" : "not synced"}`,
        );
        // A standby replica is ready too: it serves metrics and is waiting for the lease.
        detail.push(`leader: ${elector ? elector.isLeader() : true}`);
        return { ready: Object.values(sources).every((s) => s.hasSynced()), detail };
      },
    });
  } catch (err) {
    await elector?.stop();
    await Promise.all(Object.values(sources).map((s) => s.stop()));
    throw err;
  }
  logger.info("health and metrics server listening", { port: server.port });

  return {
    metricsPort: server.port,
    registry,
    isLeader: () => (elector ? elector.isLeader() : true),
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info("shutting down");
      await manager.stopControllers();
      await elector?.stop();
      await Promise.all(Object.values(sources).map((s) => s.stop()));
      await server.close();
      logger.info("shutdown complete");
    },
  };
}
