/**
 * Step 1: the control-plane binaries from hack/build-tools.sh (built from source with Go on the
 * first run, several minutes; cached afterwards). Its own progress lines are relayed as they come.
 */
import { join } from "node:path";
import { repoRoot } from "../support/repoRoot.js";
import { runCommand, tailLines } from "../support/runCommand.js";

/** Runs hack/build-tools.sh; the folder of the binaries. */
export async function buildTools(
  say: (line: string) => void,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<string> {
  const run = await runCommand("bash", [join(repoRoot, "hack", "build-tools.sh")], {
    cwd: repoRoot,
    timeoutMs,
    killSignal: "SIGTERM",
    abort: signal,
    // Indented lines are a failed build's log tail: kept for the error, not narrated.
    onStderrLine: (line) => {
      if (!/^\s/.test(line)) say(line.replace(/^build-tools: /, ""));
    },
  });
  if (run.exitCode !== 0) {
    const tail = run.stderr
      .split("\n")
      .filter((l) => /^\s/.test(l))
      .slice(-40)
      .join("\n");
    throw new Error(
      `hack/build-tools.sh exited ${run.exitCode ?? run.signal} (Go and the Go module proxy are needed on the first run)${tail ? `\n${tail}` : ""}`,
    );
  }
  return tailLines(run.stdout, 1);
}
