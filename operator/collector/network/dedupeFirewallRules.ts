import type { FirewallRule } from "../../report/evidence/networkEvidence.js";

/**
 * iptables-nft rules are nftables rules too, so they show up in `nft -j list ruleset` as well.
 * Keep the iptables-save copy (it has the full match text) and drop the nft one at the same
 * family/table/chain position with the same verdict.
 */
export function dedupeFirewallRules(rules: readonly FirewallRule[]): FirewallRule[] {
  const iptablesNft = new Set(
    rules
      .filter((r) => r.source === "iptables-nft")
      .map((r) => `${r.family}/${r.table}/${r.chain}/${r.index}/${r.target}`),
  );
  return rules.filter(
    (r) =>
      r.source !== "nft" ||
      !iptablesNft.has(`${r.family}/${r.table}/${r.chain}/${r.index}/${r.target}`),
  );
}

/** Adds `packetsDuringSample` to each rule of the later snapshot from the earlier one. */
export function withRuleDeltas(
  before: readonly FirewallRule[],
  after: readonly FirewallRule[],
): FirewallRule[] {
  const key = (r: FirewallRule) =>
    `${r.source}/${r.family}/${r.table}/${r.chain}/${r.index}/${r.target}/${r.matchText}`;
  const earlier = new Map(before.map((r) => [key(r), r.packets]));
  return after.map((r) => {
    const was = earlier.get(key(r));
    return was === undefined
      ? { ...r }
      : { ...r, packetsDuringSample: Math.max(0, r.packets - was) };
  });
}
