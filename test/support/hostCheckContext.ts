import type { CheckContext } from "../../operator/collector/check.js";
import { ChildProcessRunner } from "../../operator/collector/commandRunner.js";

/** A CheckContext on this host's real /proc, /sys and tools, aimed at one process. */
export function hostCheckContext(
  pid: number,
  sampleSeconds: number,
  hostname = "test",
): CheckContext {
  return {
    target: { kind: "pod", pids: [pid], cgroupPaths: {}, hostname },
    procRoot: "/proc",
    sysRoot: "/sys",
    kmsgPath: "/dev/kmsg",
    options: { sampleSeconds },
    runner: new ChildProcessRunner(),
    now: () => new Date(),
    progress: () => {},
  };
}
