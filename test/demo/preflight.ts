/** What the demo needs from the machine before it touches anything, with the fix for each gap. */
import { spawnSync } from "node:child_process";
import { cgroupV1Hierarchies } from "../support/faults/cgroupV1.js";

/** Commands the demo runs itself or through the collector's checks it shows. */
const REQUIRED_COMMANDS = ["java", "javac", "ip", "iptables", "hping3", "openssl"] as const;

export interface Machine {
  uid: number | undefined;
  missingCommands: string[];
  cgroupV1Memory: boolean;
}

export function inspectMachine(): Machine {
  const missingCommands = REQUIRED_COMMANDS.filter(
    (c) => spawnSync("sh", ["-c", 'command -v "$1"', "sh", c], { stdio: "ignore" }).status !== 0,
  );
  return {
    uid: process.getuid?.(),
    missingCommands,
    cgroupV1Memory: cgroupV1Hierarchies(),
  };
}

/** Why the demo cannot run here, one problem per line; empty when it can. Pure. */
export function preflightProblems(m: Machine): string[] {
  const problems: string[] = [];
  if (m.uid !== 0)
    problems.push(
      "the demo must run as root: it makes a memory cgroup the kernel OOM-kills a JVM in, network namespaces and iptables rules. Run it as root (e.g. `sudo npm run demo`).",
    );
  if (m.missingCommands.length > 0)
    problems.push(
      `missing commands: ${m.missingCommands.join(", ")}. Install them with \`bash hack/install-system-deps.sh\` (Debian/Ubuntu).`,
    );
  if (!m.cgroupV1Memory)
    problems.push(
      "no cgroup v1 memory and cpu hierarchies at /sys/fs/cgroup/{memory,cpu}: the demo makes its S1 fault in cgroup v1 (as this project's test machine runs); a cgroup v2 host is not supported by the demo yet.",
    );
  return problems;
}
