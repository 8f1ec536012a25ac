import type { NetemConfig } from "../../report/evidence/networkEvidence.js";

/**
 * Long-run loss of netem's Markov loss models, in percent (netem's own definitions,
 * Documentation of `tc-netem(8)` and net/sched/sch_netem.c):
 * - gemodel: good/bad states; p = P(good->bad), r = P(bad->good); loss 1-h in bad, 1-k in good.
 * - state: 1 good reception, 2 good reception in a burst, 3 burst loss, 4 isolated loss;
 *   transitions p13, p31, p32, p23, p14 and 4->1 always; packets are lost in states 3 and 4.
 * Undefined when the chain is degenerate (a state that can never be left).
 */
export function expectedLossPercent(n: NetemConfig): number | undefined {
  if (n.lossModel === "gemodel" && n.lossGemodel) {
    const { p, r, oneMinusH, oneMinusK } = n.lossGemodel;
    if (p + r <= 0) return oneMinusK;
    const bad = p / (p + r);
    return round(bad * oneMinusH + (1 - bad) * oneMinusK);
  }
  if (n.lossModel === "state" && n.lossState) {
    const f = (x: number) => x / 100;
    const p13 = f(n.lossState.p13);
    const p31 = f(n.lossState.p31);
    const p32 = f(n.lossState.p32);
    const p23 = f(n.lossState.p23);
    const p14 = f(n.lossState.p14);
    if (p13 > 0 && p31 + p32 <= 0) return 100;
    if (p13 > 0 && p31 <= 0) return undefined;
    if (p13 > 0 && p32 > 0 && p23 <= 0) return undefined;
    // Stationary distribution relative to state 1.
    const s3 = p13 > 0 ? p13 / p31 : 0;
    const s2 = p32 > 0 ? (s3 * p32) / p23 : 0;
    const s4 = p14;
    return round(((s3 + s4) / (1 + s2 + s3 + s4)) * 100);
  }
  return n.lossPercent;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
