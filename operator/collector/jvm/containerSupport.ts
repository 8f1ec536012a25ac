import type { ContainerSupportVerdict, JavaVersion } from "../../report/evidence/jvmEvidence.js";

/**
 * Container support (cgroup-derived RAM and CPU) arrived in JDK 10 and was backported to 8u191;
 * it is on by default unless -XX:-UseContainerSupport. cgroup v2 needs JDK 15, 11.0.16 or 8u372:
 * older builds find no v1 memory controller there and fall back to the host's RAM.
 */
export function containerSupport(
  version: JavaVersion | undefined,
  useContainerSupportFlag: boolean | undefined,
  cgroupVersion: 1 | 2 | undefined,
): ContainerSupportVerdict {
  if (useContainerSupportFlag === false) {
    return { aware: false, reason: "container support disabled by -XX:-UseContainerSupport" };
  }
  if (!version) return { reason: "Java version unknown" };
  const { major, update, raw } = version;
  const v1 = major >= 10 || (major === 8 && update >= 191);
  if (!v1) {
    return {
      aware: false,
      reason: `Java ${raw} predates container support (JDK 10, 8u191): heap is sized from the host's RAM`,
    };
  }
  if (cgroupVersion === 2) {
    const v2 = major >= 15 || (major === 11 && update >= 16) || (major === 8 && update >= 372);
    if (!v2) {
      return {
        aware: false,
        reason: `Java ${raw} has no cgroup v2 support (JDK 15, 11.0.16, 8u372): on this cgroup v2 host it sizes the heap from the host's RAM`,
      };
    }
  }
  return { aware: true, reason: `Java ${raw} sizes its heap from the cgroup memory limit` };
}
