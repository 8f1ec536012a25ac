import type { FirewallRule } from "../report/evidence/networkEvidence.js";

/** Who wrote a firewall rule, when a controller did: it re-creates what is deleted. */
export interface FirewallOwner {
  id:
    | "calico"
    | "kube-proxy"
    | "kubelet"
    | "kube-router"
    | "cilium"
    | "docker"
    | "weave"
    | "antrea";
  name: string;
  /** What a drop by this rule means, for a person. */
  meaning: string;
  /** What to do instead of deleting the rule. */
  advice: string;
}

const comment = (r: FirewallRule): string => {
  const args = r.ruleArgs ?? [];
  const texts: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === "--comment") texts.push(args[i + 1] ?? "");
  return texts.join(" ");
};

/** "ns6/svc6:p80 has no endpoints" -> { ns: "ns6", name: "svc6", port: "p80" }. */
function serviceOf(text: string): { ns: string; name: string; port: string } | undefined {
  const m =
    /([a-z0-9][-a-z0-9.]{0,252})\/([a-z0-9][-a-z0-9.]{0,62})(?::([-\w]{0,63}))? has no (?:local )?endpoints/.exec(
      text,
    );
  return m ? { ns: m[1]!, name: m[2]!, port: m[3] ?? "" } : undefined;
}

function kubeProxy(r: FirewallRule): FirewallOwner {
  const c = comment(r);
  const svc = serviceOf(c);
  const name = "kube-proxy (Kubernetes Services)";
  const recreate =
    "kube-proxy re-creates this rule on its next sync: fix the Service, not the rule.";
  if (svc && /has no local endpoints/.test(c))
    return {
      id: "kube-proxy",
      name,
      meaning: `Service ${svc.ns}/${svc.name} (externalTrafficPolicy Local) has no ready endpoint on this node, so external traffic to it is dropped here`,
      advice: `Check where its pods run and whether they are ready (kubectl get endpointslices -n ${svc.ns} -l kubernetes.io/service-name=${svc.name} -o wide); the load balancer should only send to nodes with a local endpoint (health check node port). ${recreate}`,
    };
  if (svc)
    return {
      id: "kube-proxy",
      name,
      meaning: `Service ${svc.ns}/${svc.name}${svc.port ? ` port ${svc.port}` : ""} has no ready endpoints, so kube-proxy rejects connections to it`,
      advice: `Look at its endpoints and the readiness of the pods its selector picks (kubectl get endpointslices -n ${svc.ns} -l kubernetes.io/service-name=${svc.name}; kubectl describe service -n ${svc.ns} ${svc.name}). ${recreate}`,
    };
  if (r.chain === "KUBE-PROXY-FIREWALL")
    return {
      id: "kube-proxy",
      name,
      meaning: `the source is outside the Service's loadBalancerSourceRanges (${c || "no comment"})`,
      advice: `Add the client's range to the Service's spec.loadBalancerSourceRanges if it should be allowed. ${recreate}`,
    };
  if (/ctstate\s+INVALID|--ctstate INVALID/.test((r.ruleArgs ?? []).join(" ")))
    return {
      id: "kube-proxy",
      name,
      meaning:
        "conntrack marked these packets INVALID (out-of-window TCP, asymmetric routing, or a conntrack table that lost the flow)",
      advice: `Check conntrack (conntrack -S: insert_failed, drop) and routing symmetry; net.netfilter.nf_conntrack_tcp_be_liberal=1 makes conntrack accept out-of-window packets. ${recreate}`,
    };
  if (r.chain === "KUBE-FIREWALL")
    return {
      id: "kubelet",
      name: "kubelet / kube-proxy (KUBE-FIREWALL)",
      meaning: `packets the node refuses by design (${c || "marked for drop"}), such as connections to 127.0.0.0/8 from outside`,
      advice:
        "Connect to the node or pod address instead of a loopback address, or set route_localnet only if you mean it. The kubelet re-creates this rule.",
    };
  return {
    id: "kube-proxy",
    name,
    meaning: `a Service rule drops this traffic (${c || r.chain})`,
    advice: `Inspect the Service behind ${r.chain}. ${recreate}`,
  };
}

/**
 * The controller that owns a rule, from its chain (and comments): Calico `cali-*`, kube-proxy
 * `KUBE-*`, kube-router `KUBE-NWPLCY-*`/`KUBE-POD-FW-*`, Cilium `CILIUM_*`, Docker `DOCKER*` (but
 * not DOCKER-USER, which is the user's), Weave `WEAVE-NPC*`, Antrea `ANTREA-*`. Undefined: nobody
 * re-creates it.
 */
export function firewallOwner(r: FirewallRule): FirewallOwner | undefined {
  const chain = r.chain;
  const c = comment(r);
  if (/^cali[-:]/.test(chain) || /^cali:/.test(c)) {
    const policy = /^cali-(?:tw|fw|pi|po|pri|pro)-/.test(chain) || /polic|profile/i.test(c);
    const invalid = /INVALID/.test((r.ruleArgs ?? []).join(" "));
    return {
      id: "calico",
      name: "Calico (Felix)",
      meaning: invalid
        ? "Calico drops packets that conntrack marked INVALID"
        : policy
          ? `a network policy denies this traffic: Calico found no policy that allows it (${/cali-tw-|cali-pi-/.test(chain) ? "ingress to" : /cali-fw-|cali-po-/.test(chain) ? "egress from" : "traffic of"} the workload)`
          : `a Calico rule drops this traffic (${c || chain})`,
      advice:
        "Find the policies that select the pod (kubectl get networkpolicy -n <namespace>; calicoctl get networkpolicy,globalnetworkpolicy -o wide) and allow the traffic there if it is legitimate. Felix owns these rules and re-creates them within seconds; deleting them would also weaken the pod's isolation.",
    };
  }
  if (/^KUBE-(?:NWPLCY|POD-FW|ROUTER)/.test(chain))
    return {
      id: "kube-router",
      name: "kube-router (network policy)",
      meaning: "a Kubernetes NetworkPolicy denies this traffic",
      advice:
        "Allow the traffic in the NetworkPolicy that selects the pod (kubectl get networkpolicy -n <namespace>). kube-router re-creates its rules on every sync.",
    };
  if (/^KUBE-/.test(chain) || r.table === "kube-proxy") return kubeProxy(r);
  if (/^CILIUM_/.test(chain))
    return {
      id: "cilium",
      name: "Cilium",
      meaning: `one of Cilium's own iptables rules drops this traffic (${c || chain}); Cilium enforces network policy in eBPF`,
      advice:
        "See what Cilium drops and why (cilium monitor --type drop, or hubble observe --verdict DROPPED) and the policies that apply (kubectl get ciliumnetworkpolicy,ciliumclusterwidenetworkpolicy,networkpolicy -A). The Cilium agent re-creates these rules.",
    };
  if (/^DOCKER/.test(chain) && chain !== "DOCKER-USER")
    return {
      id: "docker",
      name: "Docker (dockerd)",
      meaning: /ISOLATION/.test(chain)
        ? "Docker isolates its networks from each other: traffic between two Docker networks is dropped by design"
        : "Docker drops direct traffic to a container port that is not published",
      advice:
        "Put the containers on a common network (docker network connect) or publish the port (-p); dockerd re-creates these rules. Your own filtering belongs in DOCKER-USER.",
    };
  if (/^WEAVE-NPC/.test(chain))
    return {
      id: "weave",
      name: "Weave Net (network policy controller)",
      meaning: "a Kubernetes NetworkPolicy denies this traffic",
      advice:
        "Allow the traffic in the NetworkPolicy that selects the pod (kubectl get networkpolicy -n <namespace>); weave-npc re-creates its rules.",
    };
  if (/^ANTREA-/.test(chain))
    return {
      id: "antrea",
      name: "Antrea",
      meaning: "an Antrea or Kubernetes network policy denies this traffic",
      advice:
        "Check the policies that select the pod (kubectl get networkpolicy,antreanetworkpolicy -A; antctl traceflow); the Antrea agent re-creates its rules.",
    };
  return undefined;
}
