import { chmod, copyFile, cp, link, mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleCollector, bundleForNode } from "../../../hack/devtools.js";
import { compileAlloc } from "../../support/faults/jvm.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** The Node binary of the project's own `node` devDependency (the npm package ships it). */
export function projectNodeBinary(): string {
  const pkg = createRequire(join(REPO, "package.json")).resolve("node/package.json");
  return join(dirname(pkg), "bin", "node");
}

export interface GuestSuiteConfig {
  deadlineSeconds: number;
  scenarioTimeoutSeconds: number;
  only?: string[];
}

/**
 * Fills the folder the guest mounts over 9p: bin/node (Node 24 from the project), the collector
 * and the guest suite each bundled into one file, the compiled Alloc workload and config.json.
 * The guest writes out/ (results, captured fixtures) back into it.
 */
export async function prepareGuestShare(share: string, config: GuestSuiteConfig): Promise<void> {
  await mkdir(join(share, "bin"), { recursive: true });
  await mkdir(join(share, "out"), { recursive: true });
  const node = projectNodeBinary();
  // A hard link when the share is on the same file system: the binary is 120 MB.
  await link(node, join(share, "bin", "node")).catch(() =>
    copyFile(node, join(share, "bin", "node")),
  );
  await bundleCollector(join(share, "diagnose-collector.cjs"));
  await bundleForNode(join(REPO, "test/guest/inside/main.ts"), join(share, "suite.mjs"));
  const classes = await compileAlloc();
  try {
    await cp(classes, join(share, "classes"), { recursive: true });
    // mkdtemp made it 0700; the S1 JVM runs as a non-root user in the guest.
    await chmod(join(share, "classes"), 0o755);
  } finally {
    await rm(classes, { recursive: true, force: true });
  }
  await writeFile(join(share, "config.json"), `${JSON.stringify(config, null, 1)}\n`);
}
