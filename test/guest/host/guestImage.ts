import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Run as a command, as hack/ is from test/ (test/README.md, "Layout rules"). */
const BUILD_SCRIPT = fileURLToPath(new URL("../../../hack/guest/build-image.sh", import.meta.url));

/** The files of a built guest (hack/guest/build-image.sh's output folder). */
export interface GuestImage {
  dir: string;
  kernel: string;
  initrd: string;
  rootfs: string;
}

export function guestImageIn(dir: string): GuestImage {
  const image = {
    dir,
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    rootfs: join(dir, "rootfs.ext4"),
  };
  for (const f of [image.kernel, image.initrd, image.rootfs])
    if (!existsSync(f)) throw new Error(`guest image ${dir} has no ${f}`);
  return image;
}

/**
 * Builds the guest image, or finds it in the cache (keyed by the kernel package version and the
 * recipe's hash): runs build-image.sh, passing its progress lines to `progress`.
 */
export function ensureGuestImage(
  progress: (line: string) => void,
  timeoutMs = 20 * 60_000,
): Promise<GuestImage> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [BUILD_SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let pending = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      pending += b.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) progress(l);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (pending) progress(pending);
      if (code !== 0) {
        reject(new Error(`hack/guest/build-image.sh failed (${code ?? signal})`));
        return;
      }
      try {
        resolve(guestImageIn(stdout.trim().split("\n").at(-1) ?? ""));
      } catch (e) {
        reject(e);
      }
    });
  });
}
