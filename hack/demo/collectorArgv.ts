/**
 * How the demo's kubelet stand-in runs a collector Job's container on this machine: the image's
 * `diagnose-collector` binary becomes the repo's collector run by node + tsx, and the termination
 * message path the kubelet would mount becomes a local file. Everything else, `--container-id`
 * included, is passed through unchanged: the collector finds the container in the kubelet-shaped
 * cgroup, as it does on a real node.
 */
export const COLLECTOR_BINARY = "diagnose-collector";
export const LOCAL_COLLECTOR_ENTRY = "operator/collector/main.ts";

export function localCollectorArgv(
  command: readonly string[],
  terminationMessagePath: string,
): string[] {
  if (command[0] !== COLLECTOR_BINARY)
    throw new Error(`collector pod runs "${command[0] ?? ""}", expected ${COLLECTOR_BINARY}`);
  const argv: string[] = [];
  for (let i = 1; i < command.length; i++) {
    const a = command[i]!;
    if (a === "--termination-message-path") {
      if (i + 1 >= command.length) throw new Error("--termination-message-path without a path");
      argv.push(a, terminationMessagePath);
      i++;
    } else if (a.startsWith("--termination-message-path=")) {
      argv.push(`--termination-message-path=${terminationMessagePath}`);
    } else argv.push(a);
  }
  return [LOCAL_COLLECTOR_ENTRY, ...argv];
}
