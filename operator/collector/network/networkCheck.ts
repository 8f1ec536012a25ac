import type { NetworkEvidence } from "../../report/evidence/networkEvidence.js";
import type { Check } from "../check.js";
import { collectNetwork } from "./collectNetwork.js";

/** `network`: packet-loss causes inside the target's network namespace (scenario S2). */
export const networkCheck: Check<NetworkEvidence> = {
  name: "network",
  scope: "any",
  collect: collectNetwork,
};
