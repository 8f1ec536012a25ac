import type { CheckContext } from "../../../operator/collector/check.js";
import { ChildProcessRunner } from "../../../operator/collector/commandRunner.js";

/** A real-host CheckContext aimed at one process of an S2 "pod" netns (the scenario test, the bench). */
export function s2CheckContext(
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
