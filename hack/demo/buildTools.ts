/**
 * Step 1: the control-plane binaries from hack/build-tools.sh (built from source with Go on the
 * first run, several minutes; cached afterwards). Its own progress lines are relayed as they come.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../test/support/controlPlane.js";

export async function buildTools(
  say: (line: string) => void,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<string> {
  const child = spawn("bash", [join(repoRoot, "hack", "build-tools.sh")], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const kill = (): void => {
    child.kill("SIGTERM");
  };
  signal.addEventListener("abort", kill, { once: true });
  const timer = setTimeout(kill, timeoutMs);
  let stdout = "";
  let pending = "";
  const tail: string[] = [];
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    pending += c;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl).replace(/^build-tools: /, "");
      pending = pending.slice(nl + 1);
      // Indented lines are a failed build's log tail: kept for the error, not narrated.
      if (line.startsWith(" ") || line.startsWith("\t")) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
      } else if (line.trim()) say(line);
    }
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  });
  clearTimeout(timer);
  signal.removeEventListener("abort", kill);
  if (code !== 0)
    throw new Error(
      `hack/build-tools.sh exited ${code} (Go and the Go module proxy are needed on the first run)${tail.length ? `\n${tail.join("\n")}` : ""}`,
    );
  const dir = stdout.trim().split("\n").at(-1) ?? "";
  return dir;
}
