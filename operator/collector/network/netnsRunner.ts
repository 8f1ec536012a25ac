import type { CommandRunner } from "../commandRunner.js";
import { ToolUnavailableError } from "../commandRunner.js";

/**
 * Runs a tool inside the target's network namespace. Node has no setns(2), so this goes through
 * `nsenter --net=<proc>/<pid>/ns/net`; only the network namespace is entered, so the tool, its
 * libraries and /run/netns stay the collector's own.
 */
export class NetnsRunner {
  /** Tools found missing or not permitted: a probe asks again seconds later, so don't respawn. */
  private readonly unavailable = new Map<string, ToolUnavailableError>();

  constructor(
    private readonly runner: CommandRunner,
    readonly netnsPath: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /** stdout of a successful run; ToolUnavailableError when the tool is missing; Error otherwise. */
  async output(tool: string, args: readonly string[]): Promise<string> {
    const known = this.unavailable.get(tool);
    if (known) throw known;
    try {
      return await this.run(tool, args);
    } catch (e) {
      if (e instanceof ToolUnavailableError) this.unavailable.set(tool, e);
      throw e;
    }
  }

  private async run(tool: string, args: readonly string[]): Promise<string> {
    const res = await this.runner.run("nsenter", [`--net=${this.netnsPath}`, "--", tool, ...args], {
      timeoutMs: this.timeoutMs,
    });
    if (res.exitCode === 0) return res.stdout;
    // nsenter reports a missing program as exit 127 (execvp failed).
    if (res.exitCode === 127 || /No such file or directory/.test(res.stderr)) {
      throw new ToolUnavailableError(tool, "not installed");
    }
    if (/Operation not permitted|Permission denied/.test(res.stderr)) {
      throw new ToolUnavailableError(tool, `not permitted: ${res.stderr.trim().slice(0, 200)}`);
    }
    throw new Error(
      `${tool} ${args.join(" ")}: exit ${res.exitCode}: ${res.stderr.trim().slice(0, 300)}`,
    );
  }
}

/** Runs a tool in the collector's own namespaces (e.g. `ip -n NAME`), with the same error mapping. */
export async function hostOutput(
  runner: CommandRunner,
  tool: string,
  args: readonly string[],
  timeoutMs = 5_000,
): Promise<string> {
  const res = await runner.run(tool, args, { timeoutMs });
  if (res.exitCode !== 0) {
    throw new Error(
      `${tool} ${args.join(" ")}: exit ${res.exitCode}: ${res.stderr.trim().slice(0, 300)}`,
    );
  }
  return res.stdout;
}
