import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder (test/support/../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
