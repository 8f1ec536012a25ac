/** Removes cgroups (and their processes) left by interrupted S1 scenario runs: `npx tsx hack/scenarios/s1/cleanup.ts`. */
import { removeStaleScenarioCgroups } from "./scenarioCgroup.js";

const removed = await removeStaleScenarioCgroups();
process.stdout.write(removed.length ? `removed ${removed.join(", ")}\n` : "nothing to clean\n");
