/**
 * A hostile "container" for the confinement scenarios: a real process whose root
 * (/proc/<pid>/root) is a directory the test fills, not the host's. The process runs in its own
 * mount namespace (unshare -m) with the host's /usr bind-mounted read-only into its root, then
 * chroots there; the mounts vanish with the namespace, so nothing is left on the host. Its argv[0]
 * is `java`, so the collector's jvm check inspects it like a JVM in a container.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { ScenarioCgroup } from "./faults/cgroupV1.js";
import { waitFor } from "./waitFor.js";

/** Every root directory these scenarios make starts with this, under /tmp. */
export const CHROOT_PREFIX = "/tmp/dgn-chroot-";

/** An empty root with /usr (bind-mounted later), the merged-/usr links, /tmp, /etc and /dev. */
export function makeTargetRoot(label: string): string {
  const root = mkdtempSync(`${CHROOT_PREFIX}${label}-`);
  for (const d of ["usr", "tmp", "etc", "dev"]) mkdirSync(`${root}/${d}`);
  for (const l of ["bin", "lib", "lib64", "sbin"]) symlinkSync(`usr/${l}`, `${root}/${l}`);
  writeFileSync(`${root}/etc/passwd`, "root:x:0:0:root:/root:/bin/sh\n");
  return root;
}

export function removeTargetRoot(root: string): void {
  if (root.startsWith(CHROOT_PREFIX)) rmSync(root, { recursive: true, force: true });
}

// Fixed script; the root comes in as $1, never inside the string.
const ENTER_ROOT = [
  'mount --bind /usr "$1/usr"',
  'mount -o remount,bind,ro "$1/usr"',
  'exec chroot "$1" /usr/bin/bash -c "exec -a java /usr/bin/sleep 600"',
].join(" && ");

/**
 * Starts the process in `cg` with `root` as its root and waits until it is there (its
 * /proc/<pid>/root points at `root` and its argv[0] reads `java`). Returns its pid.
 */
export async function startChrootedJava(cg: ScenarioCgroup, root: string): Promise<number> {
  const child = cg.spawn("unshare", [
    "--mount",
    "--propagation",
    "private",
    "--",
    "sh",
    "-c",
    ENTER_ROOT,
    "sh",
    root,
  ]);
  const pid = child.pid!;
  await waitFor(`pid ${pid} chrooted to ${root}`, 10_000, async () => {
    try {
      return readlinkSync(`/proc/${pid}/root`) === root;
    } catch {
      return false;
    }
  });
  return pid;
}

/** mknod: a character device node inside the target's root (e.g. its own /dev/zero). */
export function makeCharDevice(path: string, major: number, minor: number): void {
  const r = spawnSync("mknod", [path, "c", String(major), String(minor)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mknod ${path}: ${r.stderr}`);
}

export function makeFifo(path: string): void {
  const r = spawnSync("mkfifo", [path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
}
