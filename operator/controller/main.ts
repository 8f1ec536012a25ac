#!/usr/bin/env node
/**
 * diagnose-operator: parse flags/env, load KUBECONFIG or the in-cluster config, run the
 * operator until SIGTERM/SIGINT, then shut down gracefully (workers, lease, watches) and exit 0.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOperatorConfig } from "./config.js";
import { createOperatorLogger } from "./logging.js";
import { startOperator } from "./operator.js";
import { type KubeAccess, loadKubeAccess } from "./runtime/kubeAccess.js";

const SHUTDOWN_DEADLINE_MS = 10_000;

/** The nearest package.json's version: the source tree's, or /opt/diagnose-operator's in the image. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const path = join(dir, "package.json");
    if (existsSync(path))
      return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
    dir = dirname(dir);
  }
  return "unknown";
}

async function main(): Promise<number> {
  const parsed = parseOperatorConfig(process.argv.slice(2), process.env, {
    hostname: hostname(),
    pid: process.pid,
  });
  if (parsed.kind === "help") {
    process.stdout.write(parsed.text);
    return 0;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`diagnose-operator: ${parsed.message}\n`);
    return 2;
  }
  const { config } = parsed;
  const logger = createOperatorLogger(config.logLevel);

  let kubeConfig: KubeAccess;
  try {
    kubeConfig = await loadKubeAccess();
  } catch (err) {
    logger.error("cannot load kubeconfig", {
      error: err instanceof Error ? err.message : String(err),
    });
    return 1;
  }

  let exitCode = 0;
  let fatal = false;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const operator = await startOperator({
    config,
    kubeConfig,
    logger,
    onFatal: (reason) => {
      logger.error("exiting", { reason });
      exitCode = 1;
      fatal = true;
      finished();
    },
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info("signal received", { signal });
    finished();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);

  await done;
  // Leadership is gone (or was given up, the Lease released): nothing left to hand over, and
  // the sooner the pod restarts, the sooner it can lead again (controller-runtime exits too).
  if (fatal) return exitCode;
  const deadline = setTimeout(() => {
    logger.error("graceful shutdown took too long; exiting", { deadlineMs: SHUTDOWN_DEADLINE_MS });
    process.exit(exitCode || 1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  await operator.stop();
  clearTimeout(deadline);
  return exitCode;
}

main().then(
  (code) => {
    // Flush winston's stdout before exiting.
    process.stdout.write("", () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(
      `diagnose-operator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
