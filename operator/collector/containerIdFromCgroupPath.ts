/**
 * The container id in a cgroup path, for the runtimes' path shapes:
 *   Docker cgroupfs      /docker/<id>
 *   Docker systemd       /system.slice/docker-<id>.scope
 *   containerd (k8s)     /kubepods/burstable/pod<uid>/<id>
 *                        /kubepods.slice/.../cri-containerd-<id>.scope
 *   CRI-O                /kubepods.slice/.../crio-<id>.scope, /kubepods/.../crio-<id>
 *   Podman               /machine.slice/libpod-<id>.scope
 * CRI-O's monitor (crio-conmon-<id>.scope) is not the container.
 */
export function containerIdFromCgroupPath(path: string): string | undefined {
  const segments = path.split("/").filter(Boolean);
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i]!;
    if (seg.includes("conmon")) continue;
    const m = /^(?:docker-|cri-containerd-|crio-|libpod-)?([0-9a-f]{64})(?:\.scope)?$/.exec(seg);
    if (m) return m[1];
  }
  return undefined;
}

/** "containerd://<id>", "cri-o://<id>", "docker://<id>" or a bare (possibly short) id. */
export function normalizeContainerId(id: string): string {
  return id.replace(/^[a-z-]+:\/\//, "").toLowerCase();
}
