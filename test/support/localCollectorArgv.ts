/**
 * How the kubelet stand-in runs a collector Job's container on this machine: the image's
 * `diagnose-collector` binary becomes the repo's collector run from source, and the termination
 * message path the kubelet would mount becomes a local file. Everything else is passed through
 * unchanged; `--container-id` too, unless a local process stands in for the target container
 * (`targetPid`: no container runtime made it), in which case it becomes `--pid`. Pure.
 */
const COLLECTOR_BINARY = "diagnose-collector";
const LOCAL_COLLECTOR_ENTRY = "operator/collector/main.ts";

export function localCollectorArgv(
  command: readonly string[],
  terminationMessagePath: string,
  targetPid?: number,
): string[] {
  if (command[0] !== COLLECTOR_BINARY)
    throw new Error(`collector pod runs "${command[0] ?? ""}", expected ${COLLECTOR_BINARY}`);
  const argv: string[] = [];
  for (let i = 1; i < command.length; i++) {
    const a = command[i]!;
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const inline = flag !== a;
    const isTarget = flag === "--container-id" && targetPid !== undefined;
    if (flag !== "--termination-message-path" && !isTarget) {
      argv.push(a);
      continue;
    }
    if (!inline) {
      if (i + 1 >= command.length)
        throw new Error(`${flag} without ${isTarget ? "an id" : "a path"}`);
      i++;
    }
    if (isTarget) argv.push("--pid", String(targetPid));
    else if (inline) argv.push(`${flag}=${terminationMessagePath}`);
    else argv.push(flag, terminationMessagePath);
  }
  return [LOCAL_COLLECTOR_ENTRY, ...argv];
}
