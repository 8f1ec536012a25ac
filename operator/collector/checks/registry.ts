import type { Check } from "../check.js";
import { cpuCheck } from "../cpu/cpuCheck.js";
import { jvmCheck } from "../jvm/jvmCheck.js";
import { memoryCheck } from "../memory/memoryCheck.js";
import { networkCheck } from "../network/networkCheck.js";
import { profileCheck } from "../profile/profileCheck.js";
import { softirqCheck } from "../softirq/softirqCheck.js";

/** Every implemented check, in report order. Adding a check is one line here. */
export const CHECKS: readonly Check[] = [
  memoryCheck as Check,
  jvmCheck as Check,
  cpuCheck as Check,
  networkCheck as Check,
  softirqCheck as Check,
  profileCheck as Check,
];
