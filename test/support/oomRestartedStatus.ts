/**
 * The pod status body a kubelet reports after container `app` (image `app:1`) was OOM-killed and
 * started again for the `restartCount`th time: its last state terminated with exit 137
 * OOMKilled, running again since `finishedAt`. The container ID differs per restart, as a new
 * container's does; `idDigit` keeps callers' IDs apart.
 */
export function oomRestartedStatus(
  restartCount: number,
  startedAt: Date,
  finishedAt: Date,
  idDigit: string,
) {
  return {
    status: {
      phase: "Running",
      containerStatuses: [
        {
          name: "app",
          image: "app:1",
          imageID: "",
          ready: true,
          started: true,
          restartCount,
          containerID: `containerd://${restartCount.toString(16).padStart(64, idDigit)}`,
          state: { running: { startedAt: finishedAt } },
          lastState: {
            terminated: { exitCode: 137, reason: "OOMKilled", startedAt, finishedAt },
          },
        },
      ],
    },
  };
}
