import type { InterfaceInfo, PeerLink } from "../../report/evidence/networkEvidence.js";

/** One interface of a candidate namespace, as `ifindex`/`iflink` from sysfs or `ip -j link`. */
export interface CandidateLink {
  ifindex: number;
  /** The ifindex of its own peer (sysfs `iflink`, ip's `link_index`). */
  iflink?: number;
  name: string;
  mtu: number;
}

/**
 * The peer of a pod interface is the link whose ifindex is the pod interface's link_index and
 * whose own iflink points back at the pod interface. Requiring both avoids matching an unrelated
 * interface that merely reuses the same small ifindex in another namespace.
 */
export function findVethPeer(
  pod: InterfaceInfo,
  candidates: readonly CandidateLink[],
  location: PeerLink["location"],
): PeerLink | undefined {
  if (pod.linkIndex === undefined) return undefined;
  const peer = candidates.find((c) => c.ifindex === pod.linkIndex && c.iflink === pod.ifindex);
  if (!peer) return undefined;
  return {
    podInterface: pod.name,
    podMtu: pod.mtu,
    peerIfindex: peer.ifindex,
    peerName: peer.name,
    peerMtu: peer.mtu,
    location,
  };
}
