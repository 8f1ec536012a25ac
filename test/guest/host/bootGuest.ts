import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import type { GuestImage } from "./guestImage.js";

export interface BootOptions {
  image: GuestImage;
  /** Host folder the guest mounts over 9p (mount tag "dgnshare"). */
  share: string;
  /** The serial console, kept for a person to read when something fails. */
  consoleLog: string;
  /** QEMU is SIGKILLed by its pid when the guest has not powered off by then. */
  timeoutMs: number;
  memoryMiB?: number;
  cpus?: number;
  /** Each console line as it arrives. */
  onConsoleLine?: (line: string) => void;
}

export interface BootResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  seconds: number;
  qemuPid: number | undefined;
}

/** The QEMU command line: software emulation (see the README: this host's KVM is PVM-only). */
export function qemuArgs(o: BootOptions): string[] {
  return [
    "-accel",
    "tcg,thread=multi",
    "-cpu",
    "max",
    "-m",
    String(o.memoryMiB ?? 2048),
    "-smp",
    String(o.cpus ?? 2),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-no-reboot",
    "-kernel",
    o.image.kernel,
    "-initrd",
    o.image.initrd,
    "-append",
    // mitigations=off: the speculation workarounds (page table isolation on every syscall) make an
    // emulated guest three times slower and matter nothing here. systemd.unit: boot straight into
    // the suite's unit.
    "console=ttyS0 root=/dev/vda rw panic=-1 quiet loglevel=4 log_buf_len=4M mitigations=off systemd.show_status=error systemd.unit=dgn-guest-suite.service",
    // snapshot=on: the guest's writes go to a temporary overlay; the cached image never changes.
    "-drive",
    `file=${o.image.rootfs},format=raw,if=virtio,snapshot=on`,
    "-virtfs",
    `local,path=${o.share},mount_tag=dgnshare,security_model=none,id=dgnshare`,
    "-serial",
    `file:${o.consoleLog}`,
    "-nic",
    "none",
  ];
}

/**
 * Boots the guest and waits until it powers itself off (the suite's unit does, however it ends)
 * or the timeout passes, then SIGKILLs QEMU by its pid. QEMU runs under `setpriv --pdeathsig
 * KILL`, so it also dies if this process dies first.
 */
export function bootGuest(o: BootOptions): Promise<BootResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      "setpriv",
      ["--pdeathsig", "KILL", "--", "qemu-system-x86_64", ...qemuArgs(o)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4096);
    });
    let timedOut = false;
    const kill = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, o.timeoutMs);
    const tail = consoleTail(o.consoleLog, o.onConsoleLine);
    const poll = setInterval(tail.poll, 500);
    child.on("error", (e) => {
      clearTimeout(kill);
      clearInterval(poll);
      reject(e);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(kill);
      clearInterval(poll);
      tail.poll();
      tail.flush();
      if (exitCode !== 0 && !timedOut && stderr.trim()) o.onConsoleLine?.(`qemu: ${stderr.trim()}`);
      resolve({
        exitCode,
        signal,
        timedOut,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        qemuPid: child.pid,
      });
    });
  });
}

/** Follows a file that QEMU appends to, line by line. */
function consoleTail(path: string, onLine: ((line: string) => void) | undefined) {
  let offset = 0;
  let pending = "";
  const buf = Buffer.alloc(64 * 1024);
  return {
    poll() {
      if (!onLine || !existsSync(path)) return;
      const fd = openSync(path, "r");
      try {
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, offset);
          if (n <= 0) break;
          offset += n;
          pending += buf.toString("utf8", 0, n);
        }
      } finally {
        closeSync(fd);
      }
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? "";
      for (const l of lines) onLine(l);
    },
    flush() {
      if (onLine && pending) onLine(pending);
      pending = "";
    },
  };
}
