import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version in the nearest package.json above `moduleUrl` (the source tree, tsc's dist/ or the
 * operator bundle in the image, /opt/diagnose-operator/package.json): one version for all three
 * programs' --version.
 */
export function packageVersion(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < 5; i++) {
    const path = join(dir, "package.json");
    if (existsSync(path))
      return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
    dir = dirname(dir);
  }
  return "unknown";
}
