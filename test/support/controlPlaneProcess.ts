/**
 * Signals to one component of a control plane this test process started (test/support/
 * controlPlane.ts): SIGSTOP/SIGCONT, and SIGKILL followed by a restart with the same command
 * line, as a crashed static pod would be restarted; and a restart of one that died on its own
 * (kube-controller-manager exits when the apiserver goes away; a kubelet would restart it). Only
 * a pid read from that control plane's own pid file, whose binary is the component and whose
 * command line names the control plane's state dir, is ever signalled: nothing else on the
 * machine can be hit.
 */
import { spawn } from "node:child_process";
import { openSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { ControlPlane } from "./controlPlane.js";
import { sleep } from "./waitFor.js";

export type ComponentName = "etcd" | "kube-apiserver" | "kube-controller-manager";

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[0];
    return state !== undefined && state !== "Z";
  } catch {
    return false;
  }
}

export class ControlPlaneProcess {
  private readonly pidFile: string;
  /** Its command line, read while it runs (to start it again once it is gone). */
  private readonly argv: string[];

  constructor(
    private readonly cp: ControlPlane,
    readonly name: ComponentName,
  ) {
    this.pidFile = join(cp.dir, "pids", `${name}.pid`);
    this.argv = readFileSync(`/proc/${this.pid()}/cmdline`, "utf8").split("\0").filter(Boolean);
  }

  /** The component's pid, checked to be ours (see the header); throws otherwise. */
  pid(): number {
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${this.pidFile}: no pid`);
    const exe = basename(readlinkSync(`/proc/${pid}/exe`));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (exe !== this.name || !cmdline.includes(this.cp.dir))
      throw new Error(`pid ${pid} is not this control plane's ${this.name} (${exe})`);
    return pid;
  }

  stop(): void {
    process.kill(this.pid(), "SIGSTOP");
  }

  cont(): void {
    process.kill(this.pid(), "SIGCONT");
  }

  /** SIGKILL, wait until it is gone, `downMs` more, then the same command line again. */
  async killAndRestart(downMs: number): Promise<void> {
    const pid = this.pid();
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    if (alive(pid)) throw new Error(`${this.name} (pid ${pid}) survived SIGKILL`);
    await sleep(downMs);
    this.launch();
  }

  /** Starts it again if it died (as a kubelet restarts a static pod); true if it had to. */
  ensureRunning(): boolean {
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    if (alive(pid)) return false;
    this.launch();
    return true;
  }

  private launch(): void {
    const log = openSync(join(this.cp.logDir, `${this.name}.log`), "a");
    // Its own session, like hack/cluster-up.sh's setsid: hack/cluster-down.sh signals the group.
    const child = spawn(this.argv[0]!, this.argv.slice(1), {
      detached: true,
      stdio: ["ignore", log, log],
    });
    child.unref();
    if (!child.pid) throw new Error(`${this.name} did not start again`);
    writeFileSync(this.pidFile, `${child.pid}\n`);
  }
}
