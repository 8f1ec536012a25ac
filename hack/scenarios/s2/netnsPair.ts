import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { attempt, must } from "./sh.js";

/** Every namespace and interface made here starts with this, so stale ones can be swept. */
export const S2_PREFIX = "dgn-s2-";

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
    await must("ip", ["netns", "add", pair.pod]);
    await must("ip", ["netns", "add", pair.peer]);
    await must("ip", [
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
    await must("ip", ["-n", pair.pod, "addr", "add", `${pair.podIp}/24`, "dev", pair.podIf]);
    await must("ip", ["-n", pair.peer, "addr", "add", `${pair.peerIp}/24`, "dev", pair.peerIf]);
    await must("ip", ["-n", pair.pod, "link", "set", "lo", "up"]);
    await must("ip", ["-n", pair.pod, "link", "set", pair.podIf, "up"]);
    await must("ip", ["-n", pair.peer, "link", "set", "lo", "up"]);
    await must("ip", ["-n", pair.peer, "link", "set", pair.peerIf, "up"]);
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
    await must("ip", ["netns", "add", made.pod]);
    await must("ip", [
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
    await must("ip", ["-n", made.pod, "link", "set", "eth0", "up"]);
  } catch (e) {
    await destroyPodWithHostVeth(made);
    throw e;
  }
  return made;
}

export async function destroyPodWithHostVeth(made: { pod: string; hostIf: string }): Promise<void> {
  await attempt("ip", ["netns", "del", made.pod]);
  // Normally gone with the namespace; removed here too in case the namespace never got the peer.
  await attempt("ip", ["link", "del", made.hostIf]);
}

/** Deleting the namespaces deletes the veth and every rule and qdisc inside them. */
export async function destroyNetnsPair(pair: NetnsPair): Promise<void> {
  await attempt("ip", ["netns", "del", pair.pod]);
  await attempt("ip", ["netns", "del", pair.peer]);
}

/** Removes every namespace this scenario maker left behind (after a crash). */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const out = await must("ip", ["-j", "netns", "list"]).catch(() => "[]");
  const names = (JSON.parse(out || "[]") as { name: string }[])
    .map((n) => n.name)
    .filter((n) => n.startsWith(S2_PREFIX));
  for (const n of names) await attempt("ip", ["netns", "del", n]);
  const links = await must("ip", ["-j", "link", "show"]).catch(() => "[]");
  for (const l of JSON.parse(links || "[]") as { ifname: string }[]) {
    if (l.ifname.startsWith(S2_PREFIX)) await attempt("ip", ["link", "del", l.ifname]);
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
  await waitUntil(async () => {
    const ns = await attempt("ip", ["netns", "identify", String(child.pid)]);
    return ns.stdout.trim() === pair.pod;
  }, 5_000);
  return child;
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export function stopProcess(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null) child.kill("SIGKILL");
}
