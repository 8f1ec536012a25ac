import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";

export interface ContainerState {
  container: string;
  image: string;
  /** Bare 64-hex id; published with the runtime prefix, as a kubelet does. */
  containerId: string;
  startedAt: Date;
  restartCount: number;
  /** The previous instance was OOM-killed at this time. */
  oomKilledAt?: Date;
  /** When that OOM-killed instance had started (default: startedAt). */
  oomKilledStartedAt?: Date;
}

/** The pod status a kubelet writes for one running container (after a restart, if any). */
export function runningPodStatus(s: ContainerState): { status: V1Pod["status"] } {
  const status: V1ContainerStatus = {
    name: s.container,
    image: s.image,
    imageID: "",
    ready: true,
    started: true,
    restartCount: s.restartCount,
    containerID: `containerd://${s.containerId}`,
    state: { running: { startedAt: s.startedAt } },
  };
  if (s.oomKilledAt)
    status.lastState = {
      terminated: {
        exitCode: 137,
        reason: "OOMKilled",
        startedAt: s.oomKilledStartedAt ?? s.startedAt,
        finishedAt: s.oomKilledAt,
      },
    };
  return {
    status: {
      phase: "Running",
      startTime: s.startedAt,
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: s.startedAt }],
      containerStatuses: [status],
    },
  };
}

/**
 * Container `app` (image `app:1`) OOM-killed and started again for the `restartCount`th time:
 * its last state terminated with exit 137 OOMKilled, running again since `finishedAt`. The
 * container ID differs per restart, as a new container's does; `idDigit` keeps callers' IDs apart.
 */
export function oomRestartedStatus(
  restartCount: number,
  startedAt: Date,
  finishedAt: Date,
  idDigit: string,
): { status: V1Pod["status"] } {
  return runningPodStatus({
    container: "app",
    image: "app:1",
    containerId: restartCount.toString(16).padStart(64, idDigit),
    startedAt: finishedAt,
    restartCount,
    oomKilledAt: finishedAt,
    oomKilledStartedAt: startedAt,
  });
}
