import type { FirewallRule } from "../../report/evidence/networkEvidence.js";

type Json = Record<string, unknown>;

/** Renders an nft JSON expression operand as nft-like text ("tcp dport", "{syn, rst}"). */
function operand(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return `{${v.map(operand).join(", ")}}`;
  const o = v as Json;
  const [key, inner] = Object.entries(o)[0] ?? ["", undefined];
  const i = (inner ?? {}) as Json;
  switch (key) {
    case "payload":
      return `${i.protocol ?? i.base ?? ""} ${i.field ?? ""}`.trim();
    case "meta":
    case "ct":
      return `${key} ${i.key ?? ""}`.trim();
    case "&":
    case "|":
      return Array.isArray(inner) ? inner.map(operand).join(` ${key} `) : key;
    case "set":
      return operand(inner);
    case "prefix":
      return `${i.addr}/${i.len}`;
    case "range":
      return Array.isArray(inner) ? inner.map(operand).join("-") : "";
    default:
      return JSON.stringify(o);
  }
}

function exprText(e: Json): string | undefined {
  if (e.match) {
    const m = e.match as Json;
    const op = m.op === "==" || m.op === "in" ? "" : ` ${m.op}`;
    return `${operand(m.left)}${op} ${operand(m.right)}`;
  }
  if (e.xt) {
    const x = e.xt as Json;
    // nft cannot show xtables extension details; iptables-save has them (see dedupe).
    return x.type === "match" ? `xt match "${x.name}"` : undefined;
  }
  if (e.numgen) return `numgen ${JSON.stringify(e.numgen)}`;
  if (e.limit) return `limit ${JSON.stringify(e.limit)}`;
  return undefined;
}

function verdict(e: Json): "DROP" | "REJECT" | undefined {
  if ("drop" in e) return "DROP";
  if ("reject" in e) return "REJECT";
  const x = e.xt as Json | undefined;
  if (x?.type === "target" && (x.name === "DROP" || x.name === "REJECT")) return x.name;
  return undefined;
}

/** Parses `nft -j list ruleset`: DROP/REJECT rules with their counters (0 when no counter). */
export function parseNftRulesetJson(text: string): { rules: FirewallRule[]; totalRules: number } {
  const parsed = JSON.parse(text) as { nftables?: Json[] };
  if (!Array.isArray(parsed.nftables)) throw new Error("nft -j: no nftables array");
  const rules: FirewallRule[] = [];
  const indexByChain = new Map<string, number>();
  let totalRules = 0;
  for (const item of parsed.nftables) {
    const r = item.rule as Json | undefined;
    if (!r) continue;
    totalRules++;
    const family = String(r.family);
    const table = String(r.table);
    const chain = String(r.chain);
    const key = `${family}/${table}/${chain}`;
    const index = indexByChain.get(key) ?? 0;
    indexByChain.set(key, index + 1);
    const exprs = Array.isArray(r.expr) ? (r.expr as Json[]) : [];
    let target: "DROP" | "REJECT" | undefined;
    let packets = 0;
    let bytes = 0;
    const match: string[] = [];
    for (const e of exprs) {
      const v = verdict(e);
      if (v) target = v;
      const c = e.counter as Json | undefined;
      if (c) {
        packets = Number(c.packets ?? 0);
        bytes = Number(c.bytes ?? 0);
      }
      const t = exprText(e);
      if (t) match.push(t);
    }
    if (!target) continue;
    const handle = Number(r.handle);
    rules.push({
      source: "nft",
      family,
      table,
      chain,
      index,
      target,
      packets,
      bytes,
      matchText: match.join(" "),
      handle,
      deleteCommand: ["nft", "delete", "rule", family, table, chain, "handle", String(handle)],
    });
  }
  return { rules, totalRules };
}
