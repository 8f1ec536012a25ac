import { analyzeNetwork } from "../../analysis/networkRules.js";
import type { Check } from "../check.js";
import { collectNetwork } from "./collectNetwork.js";
import type { NetworkData } from "./types.js";

/** `network`: packet-loss causes inside the target's network namespace (scenario S2). */
export const networkCheck: Check<NetworkData> = {
  name: "network",
  scope: "any",
  collect: collectNetwork,
  analyze: (data) => analyzeNetwork(data),
};
