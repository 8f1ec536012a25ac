/**
 * Network namespaces for the network and softirq faults: a "pod" and its "peer" joined by a veth,
 * or a pod whose veth peer sits in the host namespace. Root only; every name starts with
 * S2_PREFIX so that sweepStaleNamespaces() finds what an interrupted run left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mustRun, runCommand } from "../runCommand.js";
import { waitFor } from "../waitFor.js";

/** Every namespace and interface made here starts with this, so stale ones can be swept. */
const S2_PREFIX = "dgn-s2-";

/**
 * Two network namespaces joined by a veth: "pod" (eth0, 10.251.0.2) and "peer" (10.251.0.1),
 * standing in for a pod and the node side of its veth. Traffic stays between the two.
 */
export interface NetnsPair {
  pod: string;
  peer: string;
  podIf: string;
  peerIf: string;
  podIp: string;
  peerIp: string;
}

export async function createNetnsPair(tag = randomBytes(2).toString("hex")): Promise<NetnsPair> {
  const pair: NetnsPair = {
    pod: `${S2_PREFIX}${tag}-pod`,
    peer: `${S2_PREFIX}${tag}-peer`,
    podIf: "eth0",
    peerIf: `${S2_PREFIX}${tag}-h`,
    podIp: "10.251.0.2",
    peerIp: "10.251.0.1",
  };
  try {
    await mustRun("ip", ["netns", "add", pair.pod]);
    await mustRun("ip", ["netns", "add", pair.peer]);
    await mustRun("ip", [
      "-n",
      pair.peer,
      "link",
      "add",
      pair.peerIf,
      "type",
      "veth",
      "peer",
      "name",
      pair.podIf,
      "netns",
      pair.pod,
    ]);
    await mustRun("ip", ["-n", pair.pod, "addr", "add", `${pair.podIp}/24`, "dev", pair.podIf]);
    await mustRun("ip", ["-n", pair.peer, "addr", "add", `${pair.peerIp}/24`, "dev", pair.peerIf]);
    await mustRun("ip", ["-n", pair.pod, "link", "set", "lo", "up"]);
    await mustRun("ip", ["-n", pair.pod, "link", "set", pair.podIf, "up"]);
    await mustRun("ip", ["-n", pair.peer, "link", "set", "lo", "up"]);
    await mustRun("ip", ["-n", pair.peer, "link", "set", pair.peerIf, "up"]);
  } catch (e) {
    await destroyNetnsPair(pair);
    throw e;
  }
  return pair;
}

/**
 * A pod namespace whose veth peer lives in the host (collector's) namespace, as with most CNIs.
 * The host end gets no address and stays down: nothing can be sent through it, it only lets the
 * check find a host-side peer through sysfs. Deleting the pod namespace removes both ends.
 */
export async function createPodWithHostVeth(
  tag = randomBytes(2).toString("hex"),
  hostMtu = 1500,
): Promise<{ pod: string; hostIf: string }> {
  const made = { pod: `${S2_PREFIX}${tag}-pod`, hostIf: `${S2_PREFIX}${tag}-h` };
  try {
    await mustRun("ip", ["netns", "add", made.pod]);
    await mustRun("ip", [
      "link",
      "add",
      made.hostIf,
      "mtu",
      String(hostMtu),
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      made.pod,
    ]);
    await mustRun("ip", ["-n", made.pod, "link", "set", "eth0", "up"]);
  } catch (e) {
    await destroyPodWithHostVeth(made);
    throw e;
  }
  return made;
}

export async function destroyPodWithHostVeth(made: { pod: string; hostIf: string }): Promise<void> {
  await runCommand("ip", ["netns", "del", made.pod]);
  // Normally gone with the namespace; removed here too in case the namespace never got the peer.
  await runCommand("ip", ["link", "del", made.hostIf]);
}

/** Deleting the namespaces deletes the veth and every rule and qdisc inside them. */
export async function destroyNetnsPair(pair: NetnsPair): Promise<void> {
  await runCommand("ip", ["netns", "del", pair.pod]);
  await runCommand("ip", ["netns", "del", pair.peer]);
}

/** Removes every namespace this scenario maker left behind (after a crash). */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const out = await mustRun("ip", ["-j", "netns", "list"]).catch(() => "[]");
  const names = (JSON.parse(out || "[]") as { name: string }[])
    .map((n) => n.name)
    .filter((n) => n.startsWith(S2_PREFIX));
  for (const n of names) await runCommand("ip", ["netns", "del", n]);
  const links = await mustRun("ip", ["-j", "link", "show"]).catch(() => "[]");
  for (const l of JSON.parse(links || "[]") as { ifname: string }[]) {
    if (l.ifname.startsWith(S2_PREFIX)) await runCommand("ip", ["link", "del", l.ifname]);
  }
  return names;
}

/** Runs a command inside a namespace and returns its process (ip netns exec execs into it). */
export function spawnInNetns(
  netns: string,
  command: string,
  args: readonly string[],
): ChildProcess {
  return spawn("ip", ["netns", "exec", netns, command, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * The "pod" process: a long-running sleep inside the pod namespace whose pid is handed to the
 * collector. Bounded by its own duration even if cleanup never runs.
 */
export async function startPodProcess(pair: NetnsPair, seconds = 120): Promise<ChildProcess> {
  const child = spawnInNetns(pair.pod, "sleep", [String(seconds)]);
  await waitFor(`sleep ${child.pid} in netns ${pair.pod}`, 5_000, () =>
    processInNetns(child.pid, pair.pod),
  );
  return child;
}

/** Whether `pid` runs in the named network namespace (`ip netns identify`). */
export async function processInNetns(pid: number | undefined, netns: string): Promise<boolean> {
  if (pid === undefined) return false;
  const ns = await runCommand("ip", ["netns", "identify", String(pid)]);
  return ns.stdout.trim() === netns;
}

export function stopProcess(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null) child.kill("SIGKILL");
}
